#include "tests/testing/test_env.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/aip/digest.h"

namespace atlas::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string pattern =
      absl::StrCat(base != nullptr ? base : "/tmp", "/atlas-test-XXXXXX");
  char* made = mkdtemp(pattern.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string BinaryDir() {
  const char* dir = std::getenv("ATLAS_BINARY_DIR");
  return dir != nullptr ? dir : ATLAS_DEFAULT_BINARY_DIR;
}

std::string SourceDir() {
  const char* dir = std::getenv("ATLAS_SOURCE_DIR");
  return dir != nullptr ? dir : ATLAS_DEFAULT_SOURCE_DIR;
}

std::string TestKeyFileText() {
  auto line = [](const char* key, const char* role) {
    return absl::StrCat(api::HexEncode(api::Sha256(key)), " ", role, " ", role,
                        "-test\n");
  };
  return absl::StrCat("# test keys\n", line(kMemberKey, "member"),
                      line(kEditorKey, "editor"), line(kAdminKey, "admin"),
                      line(kServiceKey, "service"));
}

const auth::KeyRegistry& TestKeys() {
  static const auth::KeyRegistry* keys = [] {
    auto parsed = auth::KeyRegistry::Parse(TestKeyFileText());
    if (!parsed.ok()) std::abort();
    return new auth::KeyRegistry(*std::move(parsed));
  }();
  return *keys;
}

std::unique_ptr<::grpc::ClientContext> ContextWithKey(const std::string& key) {
  auto context = std::make_unique<::grpc::ClientContext>();
  if (!key.empty()) context->AddMetadata("authorization", "Bearer " + key);
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return context;
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return condition();
}

}  // namespace atlas::testing
