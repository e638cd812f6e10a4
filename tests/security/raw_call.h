// Calls by method name with raw bytes (grpc::GenericStub), for the security
// tests: the request need not be a valid message (invalid UTF-8, hostile
// wire data the client's protobuf would refuse to serialise), and any
// method found in the descriptor pool can be called without its stub.
#ifndef ATLAS_TESTS_SECURITY_RAW_CALL_H_
#define ATLAS_TESTS_SECURITY_RAW_CALL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace atlas::testing {

struct RawUnaryResult {
  ::grpc::Status status;
  std::string response;  // serialised response; empty unless status is OK
};

// Unary call of `method` ("/pkg.Service/Method") with `request` bytes, an
// `authorization: Bearer <key>` header unless `key` is empty, and a
// deadline of `timeout`.
RawUnaryResult RawUnary(const std::shared_ptr<::grpc::Channel>& channel,
                        const std::string& method, const std::string& request,
                        const std::string& key,
                        absl::Duration timeout = absl::Seconds(10));

struct RawStreamResult {
  ::grpc::Status status;
  std::vector<std::string> messages;  // serialised, in order
  bool cancelled_by_us = false;       // stopped after `max_messages`
};

// Server-streaming call: sends `request`, reads until the server finishes,
// `max_messages` have arrived (then cancels), or `timeout` passes.
RawStreamResult RawServerStream(const std::shared_ptr<::grpc::Channel>& channel,
                                const std::string& method,
                                const std::string& request,
                                const std::string& key, size_t max_messages,
                                absl::Duration timeout = absl::Seconds(10));

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_SECURITY_RAW_CALL_H_
