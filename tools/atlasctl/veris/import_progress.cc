#include "tools/atlasctl/veris/import_progress.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace atlas::atlasctl::veris {

void ImportProgress::Tick(int64_t records_read, const ImportTally::Counts& done,
                          uint64_t bytes_read, uint64_t total_bytes) {
  absl::Time now = clock_.Now();
  if (now - last_ < interval_) return;
  last_ = now;
  out_ << Line(records_read, done, bytes_read, total_bytes, now - start_)
       << "\n"
       << std::flush;
}

std::string ImportProgress::Line(int64_t records_read,
                                 const ImportTally::Counts& done,
                                 uint64_t bytes_read, uint64_t total_bytes,
                                 absl::Duration elapsed) {
  const int64_t finished = done.total();
  const double seconds = absl::ToDoubleSeconds(elapsed);
  const double rate = seconds > 0 ? static_cast<double>(finished) / seconds : 0;
  std::string eta = "unknown";
  if (total_bytes > 0 && bytes_read > 0 && rate > 0) {
    double expected = static_cast<double>(records_read) *
                      static_cast<double>(total_bytes) /
                      static_cast<double>(bytes_read);
    double left = std::max(0.0, expected - static_cast<double>(finished));
    eta = absl::StrCat(static_cast<int64_t>(std::ceil(left / rate)), "s");
  }
  return absl::StrCat("progress: ", records_read, " records read, ", finished,
                      " done (", ImportTally::SummaryLine(done), "), ",
                      static_cast<int64_t>(rate), " records/s, ETA ", eta);
}

}  // namespace atlas::atlasctl::veris
