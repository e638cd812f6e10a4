// IncidentReferencesClient: IncidentReferences over gRPC, calling
// incident-service's CheckOrganizationReferences with the catalog's
// SERVICE key and a deadline.
//
// Thread safety: Check may be called concurrently (one channel, one stub).
#ifndef ATLAS_CATALOG_SERVICE_INCIDENT_REFERENCES_CLIENT_H_
#define ATLAS_CATALOG_SERVICE_INCIDENT_REFERENCES_CLIENT_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "catalog-service/incident_references.h"
#include "grpcpp/channel.h"

namespace atlas::catalog {

class IncidentReferencesClient final : public IncidentReferences {
 public:
  struct Options {
    // The raw SERVICE key; empty sends none (the call is then refused).
    std::string api_key;
    // Per call; incident-service itself waits up to 5 s for in-flight
    // writes before it answers.
    absl::Duration timeout = absl::Seconds(10);
  };

  IncidentReferencesClient(std::shared_ptr<::grpc::Channel> channel,
                           Options options);

  absl::StatusOr<Answer> Check(absl::string_view organization) override;

 private:
  const Options options_;
  std::unique_ptr<incident::v1::IncidentService::Stub> stub_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_INCIDENT_REFERENCES_CLIENT_H_
