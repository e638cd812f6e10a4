// CallerBudget: calls of one kind (streams, pages, point reads, searches)
// are counted by caller class, public ones per peer host too, and the other
// service's share is reserved.
#include "common/grpc/caller_budget.h"

#include <vector>

#include "gtest/gtest.h"

namespace atlas::grpc_util {
namespace {

const auth::Caller kPublic{auth::Role::kPublic, ""};
const auth::Caller kMember{auth::Role::kMember, "member"};
const auth::Caller kService{auth::Role::kService, "catalog"};

CallerBudget::Limits Small() {
  return {.public_total = 3,
          .public_per_peer = 2,
          .keyed_total = 2,
          .service_total = 1};
}

TEST(CallerBudgetTest, PublicStreamsAreBoundedPerPeerHostAndInTotal) {
  CallerBudget budget(Small());
  std::vector<CallerBudget::Slot> slots(4);
  // Two from one host, whatever the port; the third from it is refused.
  EXPECT_TRUE(budget.Admit(kPublic, "ipv4:10.0.0.1:1000", &slots[0]));
  EXPECT_TRUE(budget.Admit(kPublic, "ipv4:10.0.0.1:2000", &slots[1]));
  CallerBudget::Slot refused;
  EXPECT_FALSE(budget.Admit(kPublic, "ipv4:10.0.0.1:3000", &refused));
  // Another host gets one more, up to the public total.
  EXPECT_TRUE(budget.Admit(kPublic, "ipv6:[::1]:4000", &slots[2]));
  EXPECT_FALSE(budget.Admit(kPublic, "ipv4:10.0.0.2:1", &refused));
  EXPECT_EQ(budget.open_public(), 3);
  // Keyed callers and the other service are not touched by public load.
  EXPECT_TRUE(budget.Admit(kMember, "ipv4:10.0.0.1:5000", &slots[3]));
  CallerBudget::Slot service;
  EXPECT_TRUE(budget.Admit(kService, "ipv4:10.0.0.9:1", &service));
  // Slots come back.
  budget.Release(&slots[0]);
  EXPECT_TRUE(budget.Admit(kPublic, "ipv4:10.0.0.1:6000", &refused));
  budget.Release(&refused);
  budget.Release(&refused);  // idempotent once released
  EXPECT_EQ(budget.open_public(), 2);
}

TEST(CallerBudgetTest, TheServiceShareIsReservedAndKeyedCallersCannotTakeIt) {
  CallerBudget budget(Small());
  CallerBudget::Slot a, b, c, s1, s2;
  EXPECT_TRUE(budget.Admit(kMember, "ipv4:10.0.0.1:1", &a));
  EXPECT_TRUE(budget.Admit(kMember, "ipv4:10.0.0.1:2", &b));
  EXPECT_FALSE(budget.Admit(kMember, "ipv4:10.0.0.1:3", &c));
  EXPECT_TRUE(budget.Admit(kService, "ipv4:10.0.0.2:1", &s1));
  EXPECT_FALSE(budget.Admit(kService, "ipv4:10.0.0.2:2", &s2));
  EXPECT_EQ(budget.open_keyed(), 2);
  EXPECT_EQ(budget.open_service(), 1);
}

TEST(CallerBudgetTest, SplitGivesThePublicAQuarterAndReservesTheServiceShare) {
  CallerBudget::Limits l = CallerBudget::Split(256);
  EXPECT_EQ(l.public_total, 64);
  EXPECT_EQ(l.public_per_peer, 16);
  EXPECT_EQ(l.service_total, 16);
  EXPECT_EQ(l.keyed_total, 176);
  // Tiny totals still leave every class a slot and the service two.
  CallerBudget::Limits tiny = CallerBudget::Split(1);
  EXPECT_EQ(tiny.public_total, 1);
  EXPECT_EQ(tiny.public_per_peer, 1);
  EXPECT_EQ(tiny.service_total, 2);
  EXPECT_EQ(tiny.keyed_total, 1);
}

}  // namespace
}  // namespace atlas::grpc_util
