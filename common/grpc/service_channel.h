// The channel one service uses to call the other.
#ifndef ATLAS_COMMON_GRPC_SERVICE_CHANNEL_H_
#define ATLAS_COMMON_GRPC_SERVICE_CHANNEL_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"

namespace atlas::grpc_util {

// A channel to `target` ("127.0.0.1:50051", or "dns:///svc-headless:50051"
// to spread calls round robin over every address DNS returns), with
// keepalive pings so a dead peer is noticed on idle and streaming
// connections, and a short reconnect backoff so a restarted peer is used
// again within about 2 s. Null `credentials` means plaintext.
std::shared_ptr<::grpc::Channel> MakeServiceChannel(
    const std::string& target,
    std::shared_ptr<::grpc::ChannelCredentials> credentials);

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_SERVICE_CHANNEL_H_
