// Stored public views that follow the redaction policy.
//
// Both services store each record's public view (the record as a caller
// without a MEMBER key sees it) beside the record, so a public Get serves
// stored bytes. Those bytes are only as right as the policy they were
// written under: when a newer build marks another field members-only, every
// view written before would still serve it. So each store keeps, in its
// meta family, the policy its views were written under (a text naming every
// members-only path, auth::RedactionPolicy), and on open, before serving,
// rewrites every view when that text differs from the build's.
//
// Thread safety: call from Open only, before any other reader or writer.
#ifndef ATLAS_COMMON_STORAGE_PUBLIC_VIEWS_H_
#define ATLAS_COMMON_STORAGE_PUBLIC_VIEWS_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/rocks_store.h"

namespace atlas::storage {

struct PublicViewFamilies {
  int records;  // the records, key -> stored record
  int views;    // their public views, same key -> view bytes
  int meta;     // where the policy is kept (key `policy_key`)
  std::string policy_key;
};

// Makes the view bytes of one stored record (`key`, `value` as stored in
// `records`); an error stops the rebuild and is returned.
using MakePublicView = absl::FunctionRef<absl::StatusOr<std::string>(
    absl::string_view key, absl::string_view value)>;

// When the policy stored under `families.policy_key` differs from `policy`
// (or is missing), rewrites the view of every record with `make_view`, in
// batches, then stores `policy`, synced. Returns how many views were
// written (0 when the policy was current). A crash midway leaves the old
// policy stored, so the next open starts over. Errors: the store's, or
// make_view's.
absl::StatusOr<int64_t> RefreshPublicViews(RocksStore& db,
                                           const PublicViewFamilies& families,
                                           absl::string_view policy,
                                           MakePublicView make_view);

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_PUBLIC_VIEWS_H_
