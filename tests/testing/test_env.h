// Hermetic test helpers: temp dirs, API keys, polling with a deadline.
#ifndef ATLAS_TESTS_TESTING_TEST_ENV_H_
#define ATLAS_TESTS_TESTING_TEST_ENV_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/auth/api_keys.h"
#include "grpcpp/client_context.h"

namespace atlas::testing {

// A fresh directory under $TEST_TMPDIR or /tmp, removed with its contents
// on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The build tree (binaries: BinaryDir() + "/catalog-service/catalog-service")
// and the source tree: $ATLAS_BINARY_DIR / $ATLAS_SOURCE_DIR when set, else
// the directories this build was configured with.
std::string BinaryDir();
std::string SourceDir();

// Raw keys used by the tests, one per role, and the registry that knows
// them.
inline constexpr char kMemberKey[] = "test-member-key";
inline constexpr char kEditorKey[] = "test-editor-key";
inline constexpr char kAdminKey[] = "test-admin-key";
inline constexpr char kServiceKey[] = "test-service-key";
inline constexpr char kUnknownKey[] = "test-unknown-key";
// Key-file text with the four keys above.
std::string TestKeyFileText();
const auth::KeyRegistry& TestKeys();

// A client context with `authorization: Bearer <key>` (no header for an
// empty key) and a 10 s deadline.
std::unique_ptr<::grpc::ClientContext> ContextWithKey(const std::string& key);

// Polls `condition` until it holds or `timeout` passes; returns whether it
// held. No fixed sleeps: a poll interval of 10 ms.
bool WaitFor(const std::function<bool()>& condition,
             absl::Duration timeout = absl::Seconds(10));

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_TESTING_TEST_ENV_H_
