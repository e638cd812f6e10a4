#include "common/storage/stored_layout.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"

namespace atlas::storage {

absl::StatusOr<int> ReadLayoutVersion(const RocksStore& db, int meta_family) {
  absl::StatusOr<std::string> stored =
      db.Get(meta_family, kLayoutVersionKey, ReadView::kLatest);
  if (absl::IsNotFound(stored.status())) return kUnversionedLayout;
  if (!stored.ok()) return stored.status();
  int version = 0;
  if (!absl::SimpleAtoi(*stored, &version) || version < kUnversionedLayout) {
    return absl::DataLossError(absl::StrCat("stored layout version \"", *stored,
                                            "\" in ", db.path(),
                                            " does not parse"));
  }
  return version;
}

absl::StatusOr<int> OpenLayout(RocksStore& db, const LayoutSpec& spec) {
  ASSIGN_OR_RETURN(const int found, ReadLayoutVersion(db, spec.meta_family));
  if (found > spec.current) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the database at ", db.path(), " has stored layout version ", found,
        ", but this ", spec.owner, " knows layouts up to version ",
        spec.current,
        ": a newer release wrote it, and this binary would misread it. Run "
        "that release (or a newer one) on this database, or restore a backup "
        "taken before the upgrade and run this release on that "
        "(docs/deploy.md, \"Rolling back\")"));
  }
  for (int version = found; version < spec.current; ++version) {
    const LayoutMigration* step = nullptr;
    for (const LayoutMigration& m : spec.migrations) {
      if (m.from == version) step = &m;
    }
    if (step == nullptr || !step->run) {
      return absl::InternalError(absl::StrCat(
          spec.owner, " has no migration from layout version ", version));
    }
    log::Info("migrating the database layout", {{"path", db.path()},
                                                {"from", version},
                                                {"to", version + 1},
                                                {"step", step->description}});
    WriteBatch last;
    RETURN_IF_ERROR(step->run(&last));
    last.Put(spec.meta_family, kLayoutVersionKey, absl::StrCat(version + 1));
    RETURN_IF_ERROR(db.Write(last));
  }
  return found;
}

}  // namespace atlas::storage
