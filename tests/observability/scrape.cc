#include "tests/observability/scrape.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/logging/log.h"
#include "gtest/gtest.h"

namespace atlas::testing {

std::string ScrapeMetrics(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    ADD_FAILURE() << "socket failed";
    return "";
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    ADD_FAILURE() << "cannot connect to 127.0.0.1:" << port;
    return "";
  }
  const std::string request =
      "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (::write(fd, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    ADD_FAILURE() << "write failed";
    return "";
  }
  std::string response;
  char buf[8192];
  for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;) {
    response.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  const size_t body = response.find("\r\n\r\n");
  if (!absl::StartsWith(response, "HTTP/1.1 200") &&
      !absl::StartsWith(response, "HTTP/1.0 200")) {
    ADD_FAILURE() << "scrape failed: " << response.substr(0, 200);
    return "";
  }
  return body == std::string::npos ? "" : response.substr(body + 4);
}

std::vector<std::string> SampleLines(const std::string& exposition) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    lines.emplace_back(line);
  }
  return lines;
}

namespace {
std::mutex g_mu;
std::vector<std::string>* g_lines = nullptr;

void Keep(absl::string_view line) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_lines != nullptr) g_lines->emplace_back(line);
}
}  // namespace

LogCapture::LogCapture() {
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_lines = new std::vector<std::string>();
  }
  log::SetSinkForTesting(&Keep);
}

LogCapture::~LogCapture() {
  log::SetSinkForTesting(nullptr);
  std::lock_guard<std::mutex> lock(g_mu);
  delete g_lines;
  g_lines = nullptr;
}

std::vector<std::string> LogCapture::Lines() const {
  std::lock_guard<std::mutex> lock(g_mu);
  return *g_lines;
}

}  // namespace atlas::testing
