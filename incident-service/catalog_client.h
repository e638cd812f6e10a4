// CatalogClient: the OrganizationDirectory the incident service runs with,
// answered by catalog-service's BatchGetOrganizations over gRPC (with the
// SERVICE key and a deadline per call).
//
// Called inside a grpc_util::CallScope (the write that checks its
// victims), a call carries that caller's trace as `traceparent` and its
// deadline when sooner than `timeout` (see common/grpc/call_scope.h).
#ifndef ATLAS_INCIDENT_SERVICE_CATALOG_CLIENT_H_
#define ATLAS_INCIDENT_SERVICE_CATALOG_CLIENT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "incident-service/organization_directory.h"

namespace atlas::incident {

class CatalogClient : public OrganizationDirectory {
 public:
  struct Options {
    // gRPC target: "127.0.0.1:50051", or "dns:///catalog-headless:50051"
    // (balanced round robin over the addresses DNS returns).
    std::string target;
    // Deadline of each call.
    absl::Duration timeout = absl::Seconds(2);
    // The SERVICE key sent as `authorization: Bearer`; empty sends none.
    std::string api_key;
    // Channel credentials; null means plaintext.
    std::shared_ptr<::grpc::ChannelCredentials> credentials;
    // Called after each BatchGetOrganizations call with its code and
    // latency (the metrics); may be empty. Thread-safe.
    std::function<void(::grpc::StatusCode, absl::Duration)> on_call;
  };

  explicit CatalogClient(Options options);

  absl::StatusOr<std::optional<std::string>> FindMissing(
      const std::vector<std::string>& names) override;

  // The channel, for the change follower and tests.
  std::shared_ptr<::grpc::Channel> channel() const { return channel_; }

 private:
  // The catalog's BatchGetOrganizations limit.
  static constexpr size_t kMaxNamesPerCall = 1000;
  absl::StatusOr<std::optional<std::string>> FindMissingInOneCall(
      const std::vector<std::string>& names);

  Options options_;
  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<catalog::v1::CatalogService::Stub> stub_;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_CATALOG_CLIENT_H_
