// Public change streams cannot starve anyone (hardening finding 1): 256
// public WatchIncidentChanges streams used to take every slot of the shared
// read gate, so member lists, editor reads and the catalog's follower got
// RESOURCE_EXHAUSTED. Streams now have their own budget by caller class:
// public streams are bounded per peer and in total, and neither page reads
// nor keyed or service streams are taken by them.
#include <memory>
#include <string>
#include <vector>

#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"

namespace atlas {
namespace {

using ::atlas::testing::CatalogHarness;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IncidentHarness;
using ::atlas::testing::IsOk;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::kServiceKey;
using ::atlas::testing::StatusIs;
using ::atlas::testing::WaitFor;
using ::testing::HasSubstr;
namespace iv1 = ::atlas::incident::v1;

// One open WatchIncidentChanges stream.
struct OpenStream {
  std::unique_ptr<::grpc::ClientContext> context;
  std::unique_ptr<::grpc::ClientReader<iv1::IncidentChange>> reader;
};

class StreamBudgetContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    stub_ = incidents_->NewStub();
  }
  void TearDown() override {
    for (OpenStream& s : open_) s.context->TryCancel();
    for (OpenStream& s : open_) (void)s.reader->Finish();
  }

  OpenStream Open(const std::string& key) {
    OpenStream s;
    s.context = ContextWithKey(key);
    iv1::WatchIncidentChangesRequest request;
    s.reader = stub_->WatchIncidentChanges(s.context.get(), request);
    return s;
  }
  size_t Subscribers() { return incidents_->stream_subscribers(); }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<iv1::IncidentService::Stub> stub_;
  std::vector<OpenStream> open_;
};

TEST_F(StreamBudgetContractTest, PublicStreamsAreBoundedAndStarveNoOne) {
  // The default per-peer bound (16): every test caller is 127.0.0.1.
  constexpr size_t kPublicPerPeer = 16;
  for (size_t i = 0; i < kPublicPerPeer; ++i) open_.push_back(Open(""));
  ASSERT_TRUE(WaitFor([&] { return Subscribers() == kPublicPerPeer; }));

  // One more public stream is refused...
  OpenStream refused = Open("");
  iv1::IncidentChange change;
  EXPECT_FALSE(refused.reader->Read(&change));
  EXPECT_THAT(refused.reader->Finish(),
              StatusIs(::grpc::StatusCode::RESOURCE_EXHAUSTED,
                       HasSubstr("public streams")));

  // ... while page reads, a member's stream and the other service's stream
  // are served.
  iv1::ListIncidentsRequest list;
  iv1::ListIncidentsResponse page;
  EXPECT_THAT(
      stub_->ListIncidents(ContextWithKey(kMemberKey).get(), list, &page),
      IsOk());
  EXPECT_THAT(stub_->ListIncidents(ContextWithKey("").get(), list, &page),
              IsOk());
  open_.push_back(Open(kMemberKey));
  open_.push_back(Open(kServiceKey));
  EXPECT_TRUE(WaitFor([&] { return Subscribers() == kPublicPerPeer + 2; }));

  // A public slot comes back when its stream ends.
  open_.front().context->TryCancel();
  (void)open_.front().reader->Finish();
  open_.erase(open_.begin());
  ASSERT_TRUE(WaitFor([&] { return Subscribers() == kPublicPerPeer + 1; }));
  open_.push_back(Open(""));
  EXPECT_TRUE(WaitFor([&] { return Subscribers() == kPublicPerPeer + 2; }));
}

}  // namespace
}  // namespace atlas
