// FakeOrganizationDirectory: an OrganizationDirectory for core-level tests.
// It knows the organisations it is told about, and can be made to fail
// (UNAVAILABLE, as an unreachable catalog) to test that nothing is written
// then. Counts its calls and can hold them (PausableCalls). Thread-safe.
#ifndef ATLAS_TESTS_TESTING_FAKE_ORGANIZATION_DIRECTORY_H_
#define ATLAS_TESTS_TESTING_FAKE_ORGANIZATION_DIRECTORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "incident-service/organization_directory.h"
#include "tests/testing/pausable_calls.h"

namespace atlas::testing {

class FakeOrganizationDirectory : public incident::OrganizationDirectory {
 public:
  // Makes organizations/`id` exist.
  void Add(const std::string& id) {
    absl::MutexLock lock(&mu_);
    known_.insert("organizations/" + id);
  }
  // Every later call answers `status` (OK again to recover).
  void FailWith(absl::Status status) {
    absl::MutexLock lock(&mu_);
    failure_ = std::move(status);
  }
  // Counts calls and can hold them (a write caught between its victim
  // check and its commit).
  PausableCalls& calls() { return calls_; }

  absl::StatusOr<std::optional<std::string>> FindMissing(
      const std::vector<std::string>& names) override {
    calls_.Enter();
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return failure_;
    for (const std::string& name : names) {
      if (!known_.contains(name)) return std::optional<std::string>(name);
    }
    return std::optional<std::string>();
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> known_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  PausableCalls calls_;
};

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_TESTING_FAKE_ORGANIZATION_DIRECTORY_H_
