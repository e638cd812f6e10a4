// Key handling: digests compared in constant time over every entry, and
// failed authentication logged without the key.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/aip/digest.h"
#include "common/auth/api_keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"

namespace atlas {
namespace {

using ::atlas::testing::ContextWithKey;
using ::atlas::testing::StatusIs;
using ::atlas::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

// Authenticate() must visit every entry whatever the key: an early exit
// would let a caller time how far down the file a key sits (or whether it
// matched at all). With 20,000 entries a full scan costs a few hundred
// microseconds, an early exit on the first entry about one, so the median
// times of "matches the first entry", "matches the last" and "matches
// none" stay within a small factor only if every entry is visited. The
// threshold (0.2) is two orders of magnitude from what an early exit gives.
TEST(KeyComparisonTest, AuthenticateVisitsEveryEntry) {
  constexpr int kEntries = 20000;
  std::string text;
  auto line = [](const std::string& key, const char* role) {
    return absl::StrCat(api::HexEncode(api::Sha256(key)), " ", role, "\n");
  };
  text += line("first-key", "member");
  for (int i = 0; i < kEntries - 2; ++i) {
    text += line(absl::StrCat("filler-", i), "editor");
  }
  text += line("last-key", "admin");
  auto registry = auth::KeyRegistry::Parse(text);
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_EQ(registry->size(), static_cast<size_t>(kEntries));

  const std::vector<std::string> headers = {
      "Bearer first-key", "Bearer last-key", "Bearer no-such-key"};
  // Correctness first.
  EXPECT_EQ(registry->Authenticate(headers[0])->role, auth::Role::kMember);
  EXPECT_EQ(registry->Authenticate(headers[1])->role, auth::Role::kAdmin);
  EXPECT_THAT(registry->Authenticate(headers[2]),
              StatusIs(absl::StatusCode::kUnauthenticated));

  std::vector<std::vector<double>> micros(headers.size());
  volatile int sink = 0;  // keeps the calls from being optimised away
  for (int round = 0; round < 41; ++round) {
    for (size_t h = 0; h < headers.size(); ++h) {  // interleaved
      auto start = std::chrono::steady_clock::now();
      auto caller = registry->Authenticate(headers[h]);
      auto end = std::chrono::steady_clock::now();
      sink = sink + (caller.ok() ? 1 : 0);
      micros[h].push_back(
          std::chrono::duration<double, std::micro>(end - start).count());
    }
  }
  std::vector<double> medians;
  for (auto& m : micros) {
    std::nth_element(m.begin(), m.begin() + m.size() / 2, m.end());
    medians.push_back(m[m.size() / 2]);
  }
  const double lo = *std::min_element(medians.begin(), medians.end());
  const double hi = *std::max_element(medians.begin(), medians.end());
  EXPECT_GT(lo / hi, 0.2) << "median us: first " << medians[0] << ", last "
                          << medians[1] << ", none " << medians[2];
}

// Redirects this process's stderr (fd 2, where common/logging writes) to a
// file while alive; Text() returns what was written.
class StderrCapture {
 public:
  explicit StderrCapture(std::string path) : path_(std::move(path)) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    int fd = ::open(path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~StderrCapture() { Restore(); }
  void Restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  std::string Text() {
    Restore();
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string path_;
  int saved_ = -1;
};

TEST(AuthLogTest, FailedAuthenticationIsLoggedWithoutTheKey) {
  ::atlas::testing::CatalogHarness catalog;
  catalog.Start();
  auto stub = catalog.NewStub();
  TempDir dir;
  const std::string secret = "sk-live-4f9c2d7e1b8a6035-do-not-log";
  std::string log;
  {
    StderrCapture capture(dir.Sub("stderr"));
    catalog::v1::GetOrganizationRequest r;
    r.set_name("organizations/anything");
    catalog::v1::Organization out;
    // An unknown key.
    EXPECT_THAT(stub->GetOrganization(ContextWithKey(secret).get(), r, &out),
                StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
    // A malformed header carrying the secret.
    ::grpc::ClientContext context;
    context.AddMetadata("authorization", "Token " + secret);
    EXPECT_THAT(stub->GetOrganization(&context, r, &out),
                StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
    log = capture.Text();
  }
  // Two failures logged, with the peer and the reason...
  size_t failures = 0;
  for (size_t at = log.find("authentication failed"); at != std::string::npos;
       at = log.find("authentication failed", at + 1)) {
    ++failures;
  }
  EXPECT_EQ(failures, 2u) << log;
  EXPECT_THAT(log, HasSubstr("unknown API key"));
  EXPECT_THAT(log, HasSubstr("\"peer\""));
  // ...but never the key, a piece of it, or its digest.
  EXPECT_THAT(log, Not(HasSubstr(secret)));
  EXPECT_THAT(log, Not(HasSubstr("4f9c2d7e1b8a6035")));
  EXPECT_THAT(log, Not(HasSubstr(api::HexEncode(api::Sha256(secret)))));
  catalog.Stop();
}

}  // namespace
}  // namespace atlas
