#include "common/grpc/service_channel.h"

#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace atlas::grpc_util {

std::shared_ptr<::grpc::Channel> MakeServiceChannel(
    const std::string& target,
    std::shared_ptr<::grpc::ChannelCredentials> credentials) {
  ::grpc::ChannelArguments args;
  args.SetServiceConfigJSON(R"({"loadBalancingConfig":[{"round_robin":{}}]})");
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  // Keepalive also while no call is active (the follower's stream may be
  // between reconnects).
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // A follower sends nothing after its request; gRPC 1.51 otherwise stops
  // pinging after two pings without data, and a dead peer would go
  // unnoticed. The servers accept a ping every 10 s (server_runner.cc).
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Reconnect quickly after the peer restarts (defaults back off to 2 min).
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
  return ::grpc::CreateCustomChannel(
      target, credentials ? credentials : ::grpc::InsecureChannelCredentials(),
      args);
}

}  // namespace atlas::grpc_util
