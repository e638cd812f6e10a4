#include "common/storage/public_views.h"

#include "absl/status/status.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"

namespace atlas::storage {
namespace {

// Views per batch: bounded memory whatever the store's size.
constexpr size_t kBatchViews = 512;

}  // namespace

absl::StatusOr<int64_t> RefreshPublicViews(RocksStore& db,
                                           const PublicViewFamilies& families,
                                           absl::string_view policy,
                                           MakePublicView make_view) {
  absl::StatusOr<std::string> stored =
      db.Get(families.meta, families.policy_key, ReadView::kLatest);
  if (stored.ok() && *stored == policy) return 0;
  if (!stored.ok() && !absl::IsNotFound(stored.status())) {
    return stored.status();
  }
  int64_t written = 0;
  WriteBatch batch;
  absl::Status failure;
  absl::Status scanned = db.Scan(
      families.records, "", "", ScanDirection::kForward,
      [&](absl::string_view key, absl::string_view value) {
        absl::StatusOr<std::string> view = make_view(key, value);
        if (!view.ok()) {
          failure = view.status();
          return false;
        }
        batch.Put(families.views, key, *view);
        ++written;
        if (batch.size() >= kBatchViews) {
          failure = db.Write(batch);
          batch = WriteBatch();
          if (!failure.ok()) return false;
        }
        return true;
      },
      ReadView::kLatest);
  RETURN_IF_ERROR(failure);
  RETURN_IF_ERROR(scanned);
  // The policy last, with the final views: until it is stored, an open
  // rebuilds again.
  batch.Put(families.meta, families.policy_key, policy);
  RETURN_IF_ERROR(db.Write(batch));
  if (written > 0) {
    log::Info("public views rewritten for the current redaction policy",
              {{"views", written}, {"path", db.path()}});
  }
  return written;
}

}  // namespace atlas::storage
