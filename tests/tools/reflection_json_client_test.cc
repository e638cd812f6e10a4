// ReflectionJsonClient against a real server (port 0) that serves
// reflection, health and a small test service: the client knows nothing of
// the test service's .proto beyond what reflection tells it.
#include "tools/grpc_json/reflection_json_client.h"

#include <memory>
#include <string>
#include <vector>

#include "common/grpc/server_runner.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/tools/echo_test_service.grpc.pb.h"

namespace atlas::grpc_json {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

namespace echo = ::atlas::tools::testing;

class EchoServiceImpl final : public echo::EchoService::CallbackService {
  ::grpc::ServerUnaryReactor* Echo(::grpc::CallbackServerContext* context,
                                   const echo::EchoRequest* request,
                                   echo::EchoResponse* response) override {
    auto* reactor = context->DefaultReactor();
    if (request->text() == "fail") {
      reactor->Finish(::grpc::Status(::grpc::StatusCode::INVALID_ARGUMENT,
                                     "text: fail was asked for"));
      return reactor;
    }
    response->set_text(request->text());
    *response->mutable_tags() = request->tags();
    response->set_mood(request->mood());
    *response->mutable_sent_time() = request->sent_time();
    auto auth = context->client_metadata().find("authorization");
    if (auth != context->client_metadata().end()) {
      response->set_authorization(
          std::string(auth->second.data(), auth->second.size()));
    }
    reactor->Finish(::grpc::Status::OK);
    return reactor;
  }

  ::grpc::ServerWriteReactor<echo::CountResponse>* Count(
      ::grpc::CallbackServerContext* /*context*/,
      const echo::CountRequest* request) override {
    class Counter : public ::grpc::ServerWriteReactor<echo::CountResponse> {
     public:
      explicit Counter(int count) : count_(count) { Next(); }
      void OnWriteDone(bool ok) override {
        if (!ok) {
          Finish(::grpc::Status::CANCELLED);
          return;
        }
        Next();
      }
      void OnDone() override { delete this; }

     private:
      void Next() {
        if (sent_ == count_) {
          Finish(::grpc::Status::OK);
          return;
        }
        response_.set_number(++sent_);
        StartWrite(&response_);
      }
      const int count_;
      int sent_ = 0;
      echo::CountResponse response_;
    };
    return new Counter(request->count());
  }
};

class ReflectionJsonClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc_util::ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.service_name = "atlas.tools.testing.EchoService";
    options.shutdown_grace = absl::Seconds(1);
    auto runner = grpc_util::ServerRunner::Start(options, {&service_});
    ASSERT_THAT(runner, IsOk());
    runner_ = std::move(*runner);
    channel_ =
        ::grpc::CreateChannel(absl::StrCat("127.0.0.1:", runner_->port()),
                              ::grpc::InsecureChannelCredentials());
    client_ = std::make_unique<ReflectionJsonClient>(channel_);
  }

  void TearDown() override {
    if (runner_ != nullptr) runner_->Shutdown();
  }

  // Calls `method` and returns the responses' JSON, or the error.
  absl::StatusOr<std::vector<std::string>> CallJson(const std::string& method,
                                                    const std::string& json) {
    std::vector<std::string> out;
    absl::Status status = client_->Call(
        method, json, options_,
        [&out](const std::string& response) { out.push_back(response); });
    if (!status.ok()) return status;
    return out;
  }

  EchoServiceImpl service_;
  std::unique_ptr<grpc_util::ServerRunner> runner_;
  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<ReflectionJsonClient> client_;
  CallOptions options_;
};

TEST_F(ReflectionJsonClientTest, ListsServicesIncludingHealthAndReflection) {
  auto services = client_->ListServices(options_);
  ASSERT_THAT(services, IsOk());
  EXPECT_THAT(*services, Contains("atlas.tools.testing.EchoService"));
  EXPECT_THAT(*services, Contains("grpc.health.v1.Health"));
  EXPECT_THAT(*services, Contains("grpc.reflection.v1alpha.ServerReflection"));
}

TEST_F(ReflectionJsonClientTest, DescribesServiceWithDependencies) {
  auto method =
      client_->FindMethod("atlas.tools.testing.EchoService/Echo", options_);
  ASSERT_THAT(method, IsOk());
  EXPECT_EQ((*method)->input_type()->full_name(),
            "atlas.tools.testing.EchoRequest");
  const auto* sent_time = (*method)->input_type()->FindFieldByName("sent_time");
  ASSERT_NE(sent_time, nullptr);
  EXPECT_EQ(sent_time->message_type()->full_name(),
            "google.protobuf.Timestamp");
  // The dotted form names the same method.
  auto dotted =
      client_->FindMethod("atlas.tools.testing.EchoService.Count", options_);
  ASSERT_THAT(dotted, IsOk());
  EXPECT_TRUE((*dotted)->server_streaming());
}

TEST_F(ReflectionJsonClientTest, CallsUnaryMethodFromJson) {
  auto responses =
      CallJson("atlas.tools.testing.EchoService/Echo",
               R"({"text": "hello", "tags": [{"key": "k", "value": "v"}],
          "mood": "GRUMPY", "sent_time": "2024-03-28T10:00:00Z"})");
  ASSERT_THAT(responses, IsOk());
  EXPECT_THAT(
      *responses,
      ElementsAre(R"({"text":"hello","tags":[{"key":"k","value":"v"}],)"
                  R"("mood":"GRUMPY","sentTime":"2024-03-28T10:00:00Z"})"));
}

TEST_F(ReflectionJsonClientTest, SendsMetadata) {
  options_.metadata.emplace_back("authorization", "Bearer secret");
  auto responses =
      CallJson("/atlas.tools.testing.EchoService/Echo", R"({"text": "x"})");
  ASSERT_THAT(responses, IsOk());
  EXPECT_THAT(*responses,
              ElementsAre(HasSubstr(R"("authorization":"Bearer secret")")));
}

TEST_F(ReflectionJsonClientTest, CallsServerStreamingMethod) {
  auto responses =
      CallJson("atlas.tools.testing.EchoService/Count", R"({"count": 3})");
  ASSERT_THAT(responses, IsOk());
  EXPECT_THAT(*responses, ElementsAre(R"({"number":1})", R"({"number":2})",
                                      R"({"number":3})"));
}

TEST_F(ReflectionJsonClientTest, EmptyRequestMeansDefaults) {
  auto responses = CallJson("atlas.tools.testing.EchoService/Count", "");
  ASSERT_THAT(responses, IsOk());
  EXPECT_THAT(*responses, IsEmpty());
}

TEST_F(ReflectionJsonClientTest, CallsHealthCheck) {
  auto responses =
      CallJson("grpc.health.v1.Health/Check",
               R"({"service": "atlas.tools.testing.EchoService"})");
  ASSERT_THAT(responses, IsOk());
  EXPECT_THAT(*responses, ElementsAre(R"({"status":"SERVING"})"));
}

TEST_F(ReflectionJsonClientTest, ServerErrorKeepsItsCodeAndMessage) {
  auto responses =
      CallJson("atlas.tools.testing.EchoService/Echo", R"({"text": "fail"})");
  EXPECT_THAT(responses, StatusIs(absl::StatusCode::kInvalidArgument,
                                  "text: fail was asked for"));
}

TEST_F(ReflectionJsonClientTest, UnknownFieldIsInvalidArgumentNamingIt) {
  auto responses =
      CallJson("atlas.tools.testing.EchoService/Echo", R"({"txet": "x"})");
  EXPECT_THAT(responses,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("atlas.tools.testing.EchoRequest"),
                             HasSubstr("txet"))));
}

TEST_F(ReflectionJsonClientTest, MalformedJsonIsInvalidArgument) {
  auto responses =
      CallJson("atlas.tools.testing.EchoService/Echo", R"({"text": )");
  EXPECT_THAT(responses,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("not valid JSON for "
                                       "atlas.tools.testing.EchoRequest"),
                             Not(HasSubstr("\n")))));
}

TEST_F(ReflectionJsonClientTest, WrongValueTypeIsInvalidArgument) {
  auto responses =
      CallJson("atlas.tools.testing.EchoService/Echo", R"({"mood": "SAD"})");
  EXPECT_THAT(responses,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mood")));
}

TEST_F(ReflectionJsonClientTest, UnknownMethodIsNotFound) {
  auto responses = CallJson("atlas.tools.testing.EchoService/Shout", R"({})");
  EXPECT_THAT(responses, StatusIs(absl::StatusCode::kNotFound,
                                  "method Shout not found in service "
                                  "atlas.tools.testing.EchoService"));
}

TEST_F(ReflectionJsonClientTest, UnknownServiceIsNotFound) {
  auto responses = CallJson("atlas.nothing.v1.Nothing/Get", R"({})");
  EXPECT_THAT(
      responses,
      StatusIs(absl::StatusCode::kNotFound,
               HasSubstr("service atlas.nothing.v1.Nothing not found")));
}

TEST_F(ReflectionJsonClientTest, MalformedMethodNameIsInvalidArgument) {
  EXPECT_THAT(CallJson("Echo", "{}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("package.Service/Method")));
}

TEST_F(ReflectionJsonClientTest, UnreachableServerIsUnavailable) {
  // A port nothing listens on: the one just freed by shutting down.
  int port = runner_->port();
  runner_->Shutdown();
  runner_.reset();
  ReflectionJsonClient client(::grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), ::grpc::InsecureChannelCredentials()));
  options_.timeout = absl::Seconds(5);
  EXPECT_THAT(client.ListServices(options_),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ReflectionJsonClientTest, ReusesDescriptorsAcrossCalls) {
  ASSERT_THAT(CallJson("atlas.tools.testing.EchoService/Echo", "{}"), IsOk());
  ASSERT_THAT(
      CallJson("atlas.tools.testing.EchoService/Count", R"({"count": 1})"),
      IsOk());
  // Health after Echo: the second service's file is fetched on a new
  // stream and built into the same pool.
  EXPECT_THAT(CallJson("grpc.health.v1.Health/Check", "{}"), IsOk());
  auto counted =
      CallJson("atlas.tools.testing.EchoService/Count", R"({"count": 2})");
  ASSERT_THAT(counted, IsOk());
  EXPECT_THAT(*counted, SizeIs(2));
}

}  // namespace
}  // namespace atlas::grpc_json
