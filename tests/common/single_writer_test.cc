// Tests of the StatefulSet ordinal check (--require_ordinal_zero).
#include "common/server/single_writer.h"

#include <optional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace atlas::server {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::testing::HasSubstr;

TEST(SingleWriterTest, OrdinalIsTheNumberAfterTheLastDash) {
  EXPECT_EQ(StatefulSetOrdinal("catalog-service-0"), 0);
  EXPECT_EQ(StatefulSetOrdinal("incident-service-12"), 12);
  EXPECT_EQ(StatefulSetOrdinal("catalog-service"), std::nullopt);
  EXPECT_EQ(StatefulSetOrdinal("catalog-service-"), std::nullopt);
  EXPECT_EQ(StatefulSetOrdinal("catalog-service-7c9f8"), std::nullopt);
  EXPECT_EQ(StatefulSetOrdinal("laptop"), std::nullopt);
}

TEST(SingleWriterTest, ReplicaZeroPasses) {
  EXPECT_THAT(CheckOrdinalZero("catalog-service", "catalog-service-0"), IsOk());
}

TEST(SingleWriterTest, ReplicaOneIsRefusedWithWhatToDo) {
  EXPECT_THAT(
      CheckOrdinalZero("catalog-service", "catalog-service-1"),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               "this pod is catalog-service-1, replica 1 of the "
               "catalog-service StatefulSet, and only replica 0 may run: "
               "catalog-service has one writer, and replica 1 would serve a "
               "second, diverging database from its own volume. Scale back "
               "to one replica (kubectl -n atlas scale "
               "statefulset/catalog-service --replicas=1). To serve more "
               "reads, give replica 0 more CPU and --block_cache_mb, or build "
               "read copies from the change stream: docs/deploy.md, "
               "\"Scaling reads\""));
}

TEST(SingleWriterTest, ANameWithoutOrdinalIsRefused) {
  EXPECT_THAT(CheckOrdinalZero("incident-service", "laptop"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cannot tell the StatefulSet ordinal from "
                                 "the pod name \"laptop\"")));
}

}  // namespace
}  // namespace atlas::server
