// What the in-process harnesses share: start a ServerRunner on the port a
// service had before a restart, and abort a test on a failed set-up step.
#ifndef ATLAS_TESTS_TESTING_HARNESS_SUPPORT_H_
#define ATLAS_TESTS_TESTING_HARNESS_SUPPORT_H_

#include <cstdlib>
#include <utility>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace atlas::testing {

// The value of `v`; on error, a test failure naming `what`, then abort.
template <typename T>
T OrDie(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    ADD_FAILURE() << what << ": " << v.status();
    std::abort();
  }
  return *std::move(v);
}

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_TESTING_HARNESS_SUPPORT_H_
