// Tests of BackupServiceImpl (atlas.admin.v1.BackupService) through a real
// server on 127.0.0.1:0 over a real RocksDB of ~16 MB in a temp dir: a whole
// stream verifies and leaves no checkpoint behind; one backup at a time
// (RESOURCE_EXHAUSTED); the drain ends a running backup with UNAVAILABLE.
// The access rules per role are in tests/security/access_control_test.cc.
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/grpc/server_runner.h"
#include "common/grpc/status_conversion.h"
#include "common/server/backup_service_impl.h"
#include "common/status/error_details.h"
#include "common/storage/backup_format.h"
#include "common/storage/backup_snapshot.h"
#include "common/storage/rocks_store.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::server {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::atlas::admin::v1;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kAdminKey;
using ::atlas::testing::StatusIs;
using ::atlas::testing::TempDir;
using ::atlas::testing::WaitFor;

class BackupServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::RocksStore::Options options;
    options.path = dir_.Sub("db");
    options.column_families = {"data"};
    options.sync_writes = false;
    auto store = storage::RocksStore::Open(std::move(options));
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
    // Incompressible values: a stream far larger than any flow-control
    // window, so an unread stream stays open.
    std::mt19937 random(11);
    for (int i = 0; i < 16000; ++i) {
      std::string value(1000, '\0');
      for (char& c : value) c = static_cast<char>(random() & 0xff);
      storage::WriteBatch batch;
      batch.Put(0, "key" + std::to_string(i), value);
      ASSERT_THAT(store_->Write(batch), IsOk());
    }
    service_ = std::make_unique<BackupServiceImpl>(BackupServiceImpl::Options{
        .service = "test-service",
        .layout_version = 2,
        .db = store_.get(),
        .keys = &::atlas::testing::TestKeys(),
        .describe = [](v1::BackupHeader* h) { h->set_changelog_head(42); }});
    grpc_util::ServerOptions server;
    server.service_name = "atlas.admin.v1.BackupService";
    server.shutdown_grace = absl::Seconds(1);
    auto runner = grpc_util::ServerRunner::Start(server, {service_.get()});
    ASSERT_THAT(runner, IsOk());
    runner_ = *std::move(runner);
    stub_ = v1::BackupService::NewStub(
        ::grpc::CreateChannel("127.0.0.1:" + std::to_string(runner_->port()),
                              ::grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    runner_->Shutdown();
    runner_.reset();
    service_.reset();
    store_.reset();
  }

  // Reads a whole stream through the verifier.
  ::grpc::Status ReadAll(storage::BackupVerifier* verifier) {
    auto context = ContextWithKey(kAdminKey);
    auto reader = stub_->StreamBackup(context.get(), v1::StreamBackupRequest());
    v1::BackupChunk chunk;
    while (reader->Read(&chunk)) {
      absl::Status s = verifier->Accept(chunk);
      if (!s.ok()) ADD_FAILURE() << s;
    }
    return reader->Finish();
  }

  bool NoCheckpointLeft() {
    for (const auto& e : fs::directory_iterator(store_->path())) {
      if (absl::StartsWith(e.path().filename().string(),
                           storage::kCheckpointPrefix)) {
        return false;
      }
    }
    return true;
  }

  TempDir dir_;
  std::unique_ptr<storage::RocksStore> store_;
  std::unique_ptr<BackupServiceImpl> service_;
  std::unique_ptr<grpc_util::ServerRunner> runner_;
  std::unique_ptr<v1::BackupService::Stub> stub_;
};

TEST_F(BackupServiceTest, StreamsAWholeVerifiedBackupAndRemovesTheCheckpoint) {
  storage::BackupVerifier verifier;
  ASSERT_THAT(ReadAll(&verifier), IsOk());
  EXPECT_THAT(verifier.Finish(), IsOk());
  EXPECT_EQ(verifier.header().service(), "test-service");
  EXPECT_EQ(verifier.header().layout_version(), 2);
  EXPECT_EQ(verifier.header().changelog_head(), 42);
  EXPECT_GT(verifier.bytes(), 15 << 20);
  EXPECT_TRUE(WaitFor([&] { return NoCheckpointLeft(); }));
}

TEST_F(BackupServiceTest, OneBackupAtATime) {
  auto first_context = ContextWithKey(kAdminKey);
  auto first =
      stub_->StreamBackup(first_context.get(), v1::StreamBackupRequest());
  v1::BackupChunk header;
  ASSERT_TRUE(first->Read(&header));
  ASSERT_TRUE(header.has_header());

  auto second_context = ContextWithKey(kAdminKey);
  auto second =
      stub_->StreamBackup(second_context.get(), v1::StreamBackupRequest());
  v1::BackupChunk chunk;
  EXPECT_FALSE(second->Read(&chunk));
  const ::grpc::Status refused = second->Finish();
  EXPECT_THAT(refused, StatusIs(::grpc::StatusCode::RESOURCE_EXHAUSTED,
                                ::testing::HasSubstr("already running")));
  // AIP-193: a reason, and when to retry.
  const absl::Status details = grpc_util::FromGrpcStatus(refused);
  EXPECT_TRUE(status::GetErrorInfo(details).has_value());
  EXPECT_TRUE(status::GetRetryInfo(details).has_value());

  first_context->TryCancel();
  EXPECT_THAT(first->Finish(), StatusIs(::grpc::StatusCode::CANCELLED));
  // The slot comes back once the cancelled stream is done.
  std::unique_ptr<storage::BackupVerifier> verifier;
  EXPECT_TRUE(WaitFor([&] {
    verifier = std::make_unique<storage::BackupVerifier>();
    return ReadAll(verifier.get()).ok();
  }));
  EXPECT_THAT(verifier->Finish(), IsOk());
  EXPECT_TRUE(WaitFor([&] { return NoCheckpointLeft(); }));
}

TEST_F(BackupServiceTest, DrainEndsARunningBackupWithUnavailable) {
  auto context = ContextWithKey(kAdminKey);
  auto reader = stub_->StreamBackup(context.get(), v1::StreamBackupRequest());
  v1::BackupChunk chunk;
  ASSERT_TRUE(reader->Read(&chunk));
  service_->Shutdown();
  while (reader->Read(&chunk)) {
  }
  EXPECT_THAT(reader->Finish(),
              StatusIs(::grpc::StatusCode::UNAVAILABLE,
                       ::testing::HasSubstr("shutting down")));
  auto again_context = ContextWithKey(kAdminKey);
  auto again =
      stub_->StreamBackup(again_context.get(), v1::StreamBackupRequest());
  EXPECT_FALSE(again->Read(&chunk));
  EXPECT_THAT(again->Finish(), StatusIs(::grpc::StatusCode::UNAVAILABLE));
  EXPECT_TRUE(WaitFor([&] { return NoCheckpointLeft(); }));
}

}  // namespace
}  // namespace atlas::server
