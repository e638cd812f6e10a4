// The progress line of an import on stderr, at most once per interval:
//   progress: 52000 records read, 51400 done (imported 51000, unchanged 0,
//   updated 0, refused 400), 5120 records/s, ETA 9s
// The rate is records done per second since the start; the ETA divides
// the records still expected (estimated from the share of the input bytes
// read) by it. Standard input has no known size: its ETA is "unknown".
//
// Thread safety: none; called by the thread that drives the import.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_IMPORT_PROGRESS_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_IMPORT_PROGRESS_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/time/time.h"
#include "common/api/time/clock.h"
#include "tools/atlasctl/veris/import_tally.h"

namespace atlas::atlasctl::veris {

class ImportProgress {
 public:
  // `clock` and `out` are not owned and must outlive the progress.
  ImportProgress(api::Clock& clock, absl::Duration interval, std::ostream& out)
      : clock_(clock), interval_(interval), out_(out), start_(clock.Now()) {
    last_ = start_;
  }

  // Prints a line if `interval` has passed since the start or the last
  // line.
  void Tick(int64_t records_read, const ImportTally::Counts& done,
            uint64_t bytes_read, uint64_t total_bytes);

  // The line for these figures at `now` (for tests).
  static std::string Line(int64_t records_read, const ImportTally::Counts& done,
                          uint64_t bytes_read, uint64_t total_bytes,
                          absl::Duration elapsed);

 private:
  api::Clock& clock_;
  const absl::Duration interval_;
  std::ostream& out_;
  const absl::Time start_;
  absl::Time last_;
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_IMPORT_PROGRESS_H_
