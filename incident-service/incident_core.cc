#include "incident-service/incident_core.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/digest.h"
#include "common/api/partial_date.h"
#include "common/api/resource_name.h"
#include "common/api/validation.h"
#include "common/auth/redaction.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"

namespace atlas::incident {
namespace {

using v1::Incident;

constexpr char kCollection[] = "incidents";

absl::Status Internal(const absl::Status& s, absl::string_view op) {
  log::Error("storage failure", {{"op", op}, {"status", s.ToString()}});
  return absl::InternalError(absl::StrCat(op, ": storage error"));
}

absl::Status NotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(name, " does not exist"));
}

Incident WritableCopy(const Incident& in) {
  Incident out = in;
  out.clear_name();
  out.clear_motive_count();
  out.clear_technique_count();
  out.clear_threat_actor_count();
  out.clear_source_count();
  out.clear_event_count();
  out.clear_derived_figures();
  out.clear_create_time();
  out.clear_update_time();
  out.clear_etag();
  out.clear_redacted_fields();
  for (v1::Technique& t : *out.mutable_techniques()) t.clear_name();
  return out;
}

// Fills the public counts from the members-only lists they summarise.
void SetCounts(Incident* incident) {
  incident->set_motive_count(incident->motives_size());
  incident->set_technique_count(incident->techniques_size());
  incident->set_threat_actor_count(incident->threat_actors_size());
}

void SetEtag(Incident* incident) {
  incident->clear_etag();
  incident->set_etag(api::ComputeEtag(*incident));
}

template <typename Enum, typename IsValid>
absl::Status ValidateEnumList(const google::protobuf::RepeatedField<int>& values,
                              absl::string_view field, int max,
                              IsValid is_valid) {
  RETURN_IF_ERROR(api::ValidateCount(values.size(), field, max));
  std::set<int> seen;
  for (int i = 0; i < values.size(); ++i) {
    if (values[i] == 0 || !is_valid(values[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, "[", i, "]: unknown or unspecified value ", values[i]));
    }
    if (!seen.insert(values[i]).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "]: duplicate value"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateOptionalDate(const atlas::type::v1::PartialDate& date,
                                  const std::string& field) {
  if (api::IsEmpty(date)) return absl::OkStatus();
  return api::ValidatePartialDate(date, field);
}

// "T1486" or "T1566.001".
bool LooksLikeTechniqueId(absl::string_view id) {
  auto digits = [](absl::string_view s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (id.size() == 5) return id[0] == 'T' && digits(id.substr(1));
  if (id.size() == 9) {
    return id[0] == 'T' && digits(id.substr(1, 4)) && id[5] == '.' &&
           digits(id.substr(6));
  }
  return false;
}

}  // namespace

absl::Status IncidentCore::ValidateIncident(Incident* incident,
                                            absl::string_view field) {
  const std::string f(field);
  RETURN_IF_ERROR(api::ValidateText(incident->title(), f + ".title", 1, 300));
  if (incident->victims_size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".victims: at least one victim is required"));
  }
  RETURN_IF_ERROR(api::ValidateCount(incident->victims_size(), f + ".victims", 64));
  std::set<std::string> seen;
  for (int i = 0; i < incident->victims_size(); ++i) {
    const std::string path = absl::StrCat(f, ".victims[", i, "]");
    const v1::Victim& v = incident->victims(i);
    RETURN_IF_ERROR(api::ParseName(v.organization(), "organizations",
                                   path + ".organization")
                        .status());
    if (!v1::Victim::Role_IsValid(v.role())) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".role: unknown value ", v.role()));
    }
    if (!seen.insert(v.organization()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ".organization: ", v.organization(), " is named twice"));
    }
  }
  RETURN_IF_ERROR(
      api::ValidateCount(incident->countries_size(), f + ".countries", 64));
  std::set<std::string> countries;
  for (int i = 0; i < incident->countries_size(); ++i) {
    const std::string path = absl::StrCat(f, ".countries[", i, "]");
    RETURN_IF_ERROR(api::ValidateCountryShape(incident->countries(i), path));
    if (!countries.insert(incident->countries(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": duplicate country"));
    }
  }
  RETURN_IF_ERROR(ValidateOptionalDate(incident->start_date(), f + ".start_date"));
  RETURN_IF_ERROR(ValidateOptionalDate(incident->end_date(), f + ".end_date"));
  RETURN_IF_ERROR(
      ValidateOptionalDate(incident->disclosed_date(), f + ".disclosed_date"));
  if (!api::IsEmpty(incident->start_date()) &&
      !api::IsEmpty(incident->end_date()) &&
      api::Interval(incident->end_date()).last <
          api::Interval(incident->start_date()).first) {
    return absl::InvalidArgumentError(absl::StrCat(
        f, ".end_date: ", api::FormatPartialDate(incident->end_date()),
        " ends before start_date ",
        api::FormatPartialDate(incident->start_date()), " begins"));
  }
  RETURN_IF_ERROR(api::ValidateText(incident->summary(), f + ".summary", 0, 2000));
  RETURN_IF_ERROR(
      api::ValidateText(incident->description(), f + ".description", 0, 50000));
  if (!v1::Determination_IsValid(incident->determination())) {
    return absl::InvalidArgumentError(
        absl::StrCat(f, ".determination: unknown value"));
  }
  RETURN_IF_ERROR(ValidateEnumList<v1::IncidentType>(
      incident->incident_types(), f + ".incident_types", 16,
      v1::IncidentType_IsValid));
  RETURN_IF_ERROR(ValidateEnumList<v1::Motive>(incident->motives(),
                                               f + ".motives", 16,
                                               v1::Motive_IsValid));
  const v1::CiaPosture& cia = incident->cia_posture();
  for (const auto& [name, axis] :
       {std::pair<const char*, const v1::ImpactAssessment*>{
            "confidentiality", &cia.confidentiality()},
        {"integrity", &cia.integrity()},
        {"availability", &cia.availability()}}) {
    const std::string path = absl::StrCat(f, ".cia_posture.", name);
    if (!v1::ImpactLevel_IsValid(axis->level())) {
      return absl::InvalidArgumentError(absl::StrCat(path, ".level: unknown value"));
    }
    RETURN_IF_ERROR(api::ValidateText(axis->note(), path + ".note", 0, 2000));
  }
  RETURN_IF_ERROR(
      api::ValidateCount(incident->techniques_size(), f + ".techniques", 64));
  std::set<std::string> techniques;
  for (int i = 0; i < incident->techniques_size(); ++i) {
    const std::string path = absl::StrCat(f, ".techniques[", i, "].id");
    const std::string& id = incident->techniques(i).id();
    if (!LooksLikeTechniqueId(id)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": \"", absl::string_view(id).substr(0, 32),
          "\" is not an ATT&CK technique id (T1234 or T1234.001)"));
    }
    if (!techniques.insert(id).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": duplicate technique"));
    }
  }
  RETURN_IF_ERROR(api::ValidateCount(incident->threat_actors_size(),
                                     f + ".threat_actors", 32));
  for (int i = 0; i < incident->threat_actors_size(); ++i) {
    const std::string path = absl::StrCat(f, ".threat_actors[", i, "]");
    const v1::ThreatActor& a = incident->threat_actors(i);
    RETURN_IF_ERROR(api::ValidateText(a.name(), path + ".name", 0, 200));
    if (!v1::ThreatActorType_IsValid(a.type())) {
      return absl::InvalidArgumentError(absl::StrCat(path, ".type: unknown value"));
    }
    if (!a.country().empty()) {
      RETURN_IF_ERROR(api::ValidateCountryShape(a.country(), path + ".country"));
    }
  }
  RETURN_IF_ERROR(api::ValidateCount(incident->impacts_size(), f + ".impacts", 32));
  for (int i = 0; i < incident->impacts_size(); ++i) {
    const std::string path = absl::StrCat(f, ".impacts[", i, "]");
    const v1::Impact& impact = incident->impacts(i);
    if (impact.type() == v1::Impact::TYPE_UNSPECIFIED ||
        !v1::Impact::Type_IsValid(impact.type())) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".type: required, a known impact type"));
    }
    RETURN_IF_ERROR(
        api::ValidateText(impact.description(), path + ".description", 0, 2000));
  }
  return absl::OkStatus();
}

absl::Status IncidentCore::CheckVictimsExist(const Incident& incident,
                                             absl::string_view field) {
  std::vector<std::string> names;
  for (const v1::Victim& v : incident.victims()) names.push_back(v.organization());
  ASSIGN_OR_RETURN(std::optional<std::string> missing,
                   directory_.FindMissing(names));
  if (!missing.has_value()) return absl::OkStatus();
  for (int i = 0; i < incident.victims_size(); ++i) {
    if (incident.victims(i).organization() == *missing) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".victims[", i, "].organization: ", *missing,
                       " does not exist in the catalog"));
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ".victims: ", *missing, " does not exist"));
}

absl::StatusOr<Incident> IncidentCore::GetIncident(
    const auth::Caller& caller, const v1::GetIncidentRequest& request) {
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.name(), kCollection, "name"));
  absl::StatusOr<Incident> incident = store_.GetIncident(id);
  if (absl::IsNotFound(incident.status())) return NotFound(request.name());
  if (!incident.ok()) return Internal(incident.status(), "GetIncident");
  auth::Redact(caller, &*incident);
  return incident;
}

absl::StatusOr<Incident> IncidentCore::CreateIncident(
    const auth::Caller& caller, const v1::CreateIncidentRequest& request) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kEditor, "CreateIncident"));
  RETURN_IF_ERROR(api::ValidateRequestId(request.request_id()));
  if (!request.has_incident()) {
    return absl::InvalidArgumentError("incident: required");
  }
  std::string id = request.incident_id();
  if (!id.empty()) RETURN_IF_ERROR(api::ValidateId(id, "incident_id"));
  Incident incident = WritableCopy(request.incident());
  RETURN_IF_ERROR(ValidateIncident(&incident, "incident"));
  const std::string fingerprint = api::RequestFingerprint(request);

  // A retry of a committed request answers without asking the catalog.
  auto replay = [&]() -> absl::StatusOr<std::optional<Incident>> {
    if (request.request_id().empty()) return std::optional<Incident>();
    auto previous = store_.GetRequest(request.request_id());
    if (!previous.ok()) return Internal(previous.status(), "CreateIncident");
    if (!previous->has_value()) return std::optional<Incident>();
    if ((*previous)->fingerprint != fingerprint) {
      return absl::InvalidArgumentError(
          "request_id: already used for a different request");
    }
    absl::string_view prev_id = (*previous)->name;
    prev_id.remove_prefix(sizeof(kCollection));
    auto existing = store_.GetIncident(prev_id);
    if (absl::IsNotFound(existing.status())) return NotFound((*previous)->name);
    if (!existing.ok()) return Internal(existing.status(), "CreateIncident");
    auth::Redact(caller, &*existing);
    return std::optional<Incident>(*std::move(existing));
  };
  ASSIGN_OR_RETURN(std::optional<Incident> replayed, replay());
  if (replayed.has_value()) return *std::move(replayed);

  RETURN_IF_ERROR(CheckVictimsExist(incident, "incident"));

  absl::MutexLock lock(&write_mu_);
  // Checked again under the lock: a concurrent retry may have committed.
  ASSIGN_OR_RETURN(replayed, replay());
  if (replayed.has_value()) return *std::move(replayed);
  if (id.empty()) id = api::GenerateId();
  const std::string name = absl::StrCat(kCollection, "/", id);
  auto current = store_.GetIncident(id);
  if (current.ok()) {
    return absl::AlreadyExistsError(absl::StrCat(name, " already exists"));
  }
  if (!absl::IsNotFound(current.status())) {
    return Internal(current.status(), "CreateIncident");
  }
  incident.set_name(name);
  SetCounts(&incident);
  *incident.mutable_create_time() = api::ToProtoTimestamp(clock_.Now());
  *incident.mutable_update_time() = incident.create_time();
  SetEtag(&incident);

  storage::WriteBatch batch;
  IncidentStore::PutIncident(incident, &batch);
  if (!request.request_id().empty()) {
    IncidentStore::PutRequest(request.request_id(), {fingerprint, name}, &batch);
  }
  v1::IncidentChange change;
  change.set_change_type(v1::IncidentChange::CREATED);
  *change.mutable_incident() = incident;
  *change.mutable_commit_time() = incident.create_time();
  int64_t sequence = store_.AppendChange(std::move(change), &batch);
  absl::Status s = store_.Commit(batch, /*appended_change=*/true);
  if (!s.ok()) return Internal(s, "CreateIncident");
  log::Info("incident created",
            {{"name", name}, {"sequence", sequence}, {"by", caller.label}});
  auth::Redact(caller, &incident);
  return incident;
}

#define ATLAS_NOT_YET(method, Type, role_needed)                             \
  absl::StatusOr<Type> IncidentCore::method(                                 \
      const auth::Caller& caller, const v1::method##Request&) {              \
    if (role_needed) {                                                       \
      RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kEditor, #method)); \
    }                                                                        \
    return absl::UnimplementedError(#method " is not implemented yet");      \
  }

ATLAS_NOT_YET(ListIncidents, v1::ListIncidentsResponse, false)
ATLAS_NOT_YET(UpdateIncident, Incident, true)
ATLAS_NOT_YET(DeleteIncident, google::protobuf::Empty, true)
ATLAS_NOT_YET(GetTimelineEvent, v1::TimelineEvent, false)
ATLAS_NOT_YET(ListTimelineEvents, v1::ListTimelineEventsResponse, false)
ATLAS_NOT_YET(CreateTimelineEvent, v1::TimelineEvent, true)
ATLAS_NOT_YET(UpdateTimelineEvent, v1::TimelineEvent, true)
ATLAS_NOT_YET(DeleteTimelineEvent, google::protobuf::Empty, true)
ATLAS_NOT_YET(GetSource, v1::Source, false)
ATLAS_NOT_YET(ListSources, v1::ListSourcesResponse, false)
ATLAS_NOT_YET(CreateSource, v1::Source, true)
ATLAS_NOT_YET(UpdateSource, v1::Source, true)
ATLAS_NOT_YET(DeleteSource, google::protobuf::Empty, true)

#undef ATLAS_NOT_YET

}  // namespace atlas::incident
