// What became of each record of an import: the counts of the summary
// line and the lines to print for the records that need one (refused,
// changed but not updated), in input order.
//
// Thread safety: every method may be called from any thread.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_IMPORT_TALLY_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_IMPORT_TALLY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace atlas::atlasctl::veris {

class ImportTally {
 public:
  enum class Outcome {
    // A new incident was stored for it.
    kImported,
    // Its incident was stored already, from this very record.
    kUnchanged,
    // Its incident was stored from another version of the record and was
    // left alone (no --update).
    kChanged,
    // Its incident was rewritten from it (--update).
    kUpdated,
    // Nothing was stored for it (but see docs/interop.md on sources).
    kRefused,
  };

  struct Counts {
    int64_t imported = 0;
    int64_t unchanged = 0;
    int64_t changed = 0;
    int64_t updated = 0;
    int64_t refused = 0;
    int64_t total() const {
      return imported + unchanged + changed + updated + refused;
    }
  };

  // Records the outcome of the record numbered `sequence` (input order),
  // with its line for kRefused and kChanged.
  void Add(uint64_t sequence, Outcome outcome, std::string line = "");

  Counts counts() const;
  // The lines, in input order.
  std::vector<std::string> Lines() const;

  // "imported N, unchanged N, updated N, refused N". A changed record that
  // was not updated counts as unchanged: its incident was not written (its
  // own line says it differs).
  static std::string SummaryLine(const Counts& counts);

 private:
  mutable absl::Mutex mu_;
  Counts counts_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::string> lines_ ABSL_GUARDED_BY(mu_);
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_IMPORT_TALLY_H_
