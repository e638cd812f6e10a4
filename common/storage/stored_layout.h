// The stored-layout version of a database, and the migrations that bring an
// older layout forward.
//
// Each service keeps, in its meta family, the version of the key layout its
// database is in (`layout_version`, a decimal). A build knows the layouts up
// to its own (LayoutSpec::current):
//   - the stored version is newer (a newer release wrote the database, and
//     this build is a rollback): OpenLayout refuses with FAILED_PRECONDITION
//     before anything reads or rewrites the data, and says what to do;
//   - the stored version is older, or missing (a database written before
//     layouts were versioned counts as kUnversionedLayout): the migrations
//     from it to `current` run in order, each one's version written with its
//     last batch;
//   - equal: nothing to do (one point read).
//
// A migration may write many batches along the way (a rewrite of a million
// records does not fit in one). Each must be safe to write again: a crash
// midway leaves the version where it was, and the next open runs the whole
// step again. The version moves only with the step's last batch, so the
// stored number never claims a step that did not finish.
//
// Thread safety: call from a store's Open only, before any other reader or
// writer.
#ifndef ATLAS_COMMON_STORAGE_STORED_LAYOUT_H_
#define ATLAS_COMMON_STORAGE_STORED_LAYOUT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/rocks_store.h"

namespace atlas::storage {

// The meta key of the version.
inline constexpr char kLayoutVersionKey[] = "layout_version";
// The layout of a database with no version key: every release before
// layouts were versioned.
inline constexpr int kUnversionedLayout = 1;

// One step forward: turns a database at layout `from` into one at
// `from + 1`.
struct LayoutMigration {
  int from = 0;
  // What the step does, for the log.
  std::string description;
  // Rewrites what the step changes. Batches it writes itself must be safe
  // to write again (see the file comment); its last writes go into `last`,
  // which is written, synced, with the new version.
  std::function<absl::Status(WriteBatch* last)> run;
};

struct LayoutSpec {
  // Who owns the database, for messages: "catalog-service".
  std::string owner;
  // The family holding kLayoutVersionKey.
  int meta_family = 0;
  // The layout this build reads and writes.
  int current = kUnversionedLayout;
  // One step from each version in [kUnversionedLayout, current), in any
  // order.
  std::vector<LayoutMigration> migrations;
};

// The stored version: kUnversionedLayout when the key is missing. DATA_LOSS
// if it does not parse as a positive integer; the store's errors.
absl::StatusOr<int> ReadLayoutVersion(const RocksStore& db, int meta_family);

// Checks the stored version against `spec` and migrates it to
// `spec.current`. Returns the version found before migrating.
// FAILED_PRECONDITION, with nothing written, when the stored version is newer
// than `spec.current`: the message names the database path, both versions
// and what to do (run the newer release, or restore a backup taken before
// the upgrade). INTERNAL if `spec` has no step for a version it must
// migrate from. DATA_LOSS as ReadLayoutVersion; a step's own error stops
// the migration (the version stays at that step's `from`).
absl::StatusOr<int> OpenLayout(RocksStore& db, const LayoutSpec& spec);

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_STORED_LAYOUT_H_
