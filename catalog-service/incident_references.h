// IncidentReferences: how the catalog asks incident-service which incidents
// name an organisation, for DeleteOrganization. The core depends on this
// interface only; IncidentReferencesClient (incident_references_client.h)
// answers it over gRPC, tests hand the core a fake.
#ifndef ATLAS_CATALOG_SERVICE_INCIDENT_REFERENCES_H_
#define ATLAS_CATALOG_SERVICE_INCIDENT_REFERENCES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace atlas::catalog {

class IncidentReferences {
 public:
  struct Answer {
    // Up to 3 incidents naming the organisation (`incidents/{id}`); empty
    // when none does.
    std::vector<std::string> incidents;
    // More incidents than those listed name it.
    bool more = false;
  };

  virtual ~IncidentReferences() = default;

  // The incidents naming `organization` (`organizations/{id}`) on
  // incident-service's own records, once every write that had already been
  // allowed to name it has finished (see
  // IncidentService.CheckOrganizationReferences). UNAVAILABLE when
  // incident-service cannot answer in time (the caller must then delete
  // nothing); INTERNAL for anything else. Thread-safe.
  virtual absl::StatusOr<Answer> Check(absl::string_view organization) = 0;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_INCIDENT_REFERENCES_H_
