// OrganizationDirectory: how the incident core learns whether the
// organisations an incident names exist. The core depends on this
// interface only; CatalogClient (catalog_client.h) answers it over gRPC
// with the catalog's BatchGetOrganizations, tests hand the core
// testing::FakeOrganizationDirectory.
#ifndef ATLAS_INCIDENT_SERVICE_ORGANIZATION_DIRECTORY_H_
#define ATLAS_INCIDENT_SERVICE_ORGANIZATION_DIRECTORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace atlas::incident {

class OrganizationDirectory {
 public:
  virtual ~OrganizationDirectory() = default;

  // Checks that every organisation in `names` (`organizations/{id}`)
  // exists. Returns nullopt if all do, else the first missing name.
  // UNAVAILABLE when the directory cannot answer in time (the caller must
  // then write nothing); INTERNAL for anything else that went wrong.
  // Thread-safe.
  virtual absl::StatusOr<std::optional<std::string>> FindMissing(
      const std::vector<std::string>& names) = 0;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_ORGANIZATION_DIRECTORY_H_
