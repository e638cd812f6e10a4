// Test helpers of the observability tests: a Prometheus scrape over
// loopback HTTP, and a capture of the log lines.
#ifndef ATLAS_TESTS_OBSERVABILITY_SCRAPE_H_
#define ATLAS_TESTS_OBSERVABILITY_SCRAPE_H_

#include <string>
#include <vector>

namespace atlas::testing {

// GET /metrics from 127.0.0.1:`port` (HTTP/1.0 over a plain socket); the
// response body, or "" (with a test failure) if the request fails or the
// status is not 200.
std::string ScrapeMetrics(int port);

// The sample lines of `exposition` (comments dropped).
std::vector<std::string> SampleLines(const std::string& exposition);

// While alive, every line common/logging writes is kept (and not written
// to stderr). One at a time.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  // The lines so far.
  std::vector<std::string> Lines() const;
};

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_OBSERVABILITY_SCRAPE_H_
