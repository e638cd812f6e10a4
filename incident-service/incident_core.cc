#include "incident-service/incident_core.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/aip/resource_name.h"
#include "common/status/status_macros.h"
#include "common/storage/storage_error.h"

namespace atlas::incident {

IncidentCore::IncidentCore(const Collaborators& c)
    : validator_(*c.attack, *c.countries, *c.veris),
      writer_(*c.changelog),
      creator_(*c.store, *c.changelog, writer_, *c.directory, validator_,
               *c.clock),
      editor_(*c.store, *c.changelog, writer_, *c.directory, validator_,
              *c.clock),
      query_(*c.store),
      timeline_(*c.store, *c.changelog, writer_, validator_, *c.clock) {}

namespace {

void AddVictims(const v1::Incident& incident, std::vector<std::string>* out) {
  for (const v1::Victim& v : incident.victims()) {
    out->push_back(v.organization());
  }
}

}  // namespace

absl::StatusOr<v1::Incident> IncidentCore::CreateIncident(
    const auth::Caller& caller, const v1::CreateIncidentRequest& request) {
  std::vector<std::string> victims;
  AddVictims(request.incident(), &victims);
  VictimReservations::Hold hold = reservations_.Reserve(std::move(victims));
  return creator_.CreateIncident(caller, request);
}

absl::StatusOr<v1::BatchCreateIncidentsResponse>
IncidentCore::BatchCreateIncidents(
    const auth::Caller& caller,
    const v1::BatchCreateIncidentsRequest& request) {
  std::vector<std::string> victims;
  for (const v1::CreateIncidentRequest& r : request.requests()) {
    AddVictims(r.incident(), &victims);
  }
  VictimReservations::Hold hold = reservations_.Reserve(std::move(victims));
  return creator_.BatchCreateIncidents(caller, request);
}

absl::StatusOr<v1::Incident> IncidentCore::UpdateIncident(
    const auth::Caller& caller, const v1::UpdateIncidentRequest& request) {
  std::vector<std::string> victims;
  AddVictims(request.incident(), &victims);
  VictimReservations::Hold hold = reservations_.Reserve(std::move(victims));
  return editor_.UpdateIncident(caller, request);
}

absl::StatusOr<v1::CheckOrganizationReferencesResponse>
IncidentCore::CheckOrganizationReferences(
    const auth::Caller& caller,
    const v1::CheckOrganizationReferencesRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kService,
                                    "CheckOrganizationReferences"));
  ASSIGN_OR_RETURN(
      std::string org_id,
      api::ParseName(request.organization(), "organizations", "organization"));
  const std::string name = absl::StrCat("organizations/", org_id);
  if (!reservations_.AwaitEarlierHolds(name,
                                       absl::Now() + kReferenceCheckWait)) {
    return absl::UnavailableError(absl::StrCat(
        "writes naming ", name, " are still in flight; retry later"));
  }
  return query_.OrganizationReferences(org_id);
}

}  // namespace atlas::incident
