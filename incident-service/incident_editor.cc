#include "incident-service/incident_editor.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
#include "common/api/types/partial_date.h"
#include "common/auth/redaction.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"
#include "common/storage/storage_error.h"
#include "incident-service/incident_creator.h"
#include "incident-service/incident_records.h"

namespace atlas::incident {
namespace {

using v1::Incident;
constexpr storage::ReadView kLatest = storage::ReadView::kLatest;

// The paths UpdateIncident accepts, and those it refuses as output only.
const std::initializer_list<absl::string_view> kIncidentWritable = {
    "title", "victims", "countries", "start_date", "end_date", "disclosed_date",
    "summary", "description", "determination", "incident_types", "cia_posture",
    "motives", "techniques", "threat_actors", "impacts",
    // Issue 13: identity in other systems and the VERIS classification.
    "external_references", "victim_unknown", "investigation_status",
    "confidence", "targeting", "actions", "data_exposure", "assets",
    "discovery_methods", "durations", "losses", "original_record"};
const std::initializer_list<absl::string_view> kIncidentOutputOnly = {
    "name",         "motive_count", "technique_count", "threat_actor_count",
    "source_count", "event_count",  "derived_figures", "create_time",
    "update_time",  "etag",         "redacted_fields"};
}  // namespace

absl::StatusOr<Incident> IncidentEditor::UpdateIncident(
    const auth::Caller& caller, const v1::UpdateIncidentRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "UpdateIncident"));
  RETURN_IF_ERROR(api::RejectUnknownFields(request));
  if (!request.has_incident()) {
    return absl::InvalidArgumentError("incident: required");
  }
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.incident().name(),
                                  kIncidentCollection, "incident.name"));
  std::vector<std::string> paths;
  RETURN_IF_ERROR(api::ValidateUpdateMask(
      request.update_mask(), kIncidentWritable, kIncidentOutputOnly, &paths));
  // The stored incident with the masked fields replaced, validated.
  auto build = [&](const StoredIncident& current) -> absl::StatusOr<Incident> {
    Incident merged = current.record;
    MergeMasked(request.incident(), paths, &merged);
    Incident writable = WritableCopy(merged);
    RETURN_IF_ERROR(validator_.ValidateIncident(&writable, "incident"));
    return writable;
  };
  ASSIGN_OR_RETURN(StoredIncident current,
                   LoadIncident(store_, id, "UpdateIncident"));
  RETURN_IF_ERROR(CheckEtag(request.incident().etag(), current.record.etag(),
                            "incident.etag"));
  ASSIGN_OR_RETURN(Incident candidate, build(current));
  // Victims are checked with the catalog when the update names them.
  if (std::find(paths.begin(), paths.end(), "victims") != paths.end()) {
    RETURN_IF_ERROR(
        IncidentCreator::CheckVictimsExist(directory_, candidate, "incident"));
  }

  return writer_.Run<Incident>(
      "UpdateIncident", [&]() -> absl::StatusOr<Incident> {
        ASSIGN_OR_RETURN(current,
                         LoadIncident(store_, id, "UpdateIncident", kLatest));
        RETURN_IF_ERROR(CheckEtag(request.incident().etag(),
                                  current.record.etag(), "incident.etag"));
        ASSIGN_OR_RETURN(candidate, build(current));
        RETURN_IF_ERROR(CheckExternalReferencesFree(
            store_, candidate, id, "incident", "UpdateIncident", kLatest));
        const Incident& old = current.record;
        candidate.set_name(old.name());
        SetCounts(&candidate);
        candidate.set_source_count(old.source_count());
        candidate.set_event_count(old.event_count());
        *candidate.mutable_derived_figures() = old.derived_figures();
        *candidate.mutable_create_time() = old.create_time();
        const absl::Time now = clock_.Now();
        *candidate.mutable_update_time() = api::ToProtoTimestamp(now);
        SetEtag(&candidate);

        StoredIncident updated{candidate, current.ordinal};
        storage::WriteBatch batch;
        IncidentStore::PutIncident(updated, &current, &batch);
        v1::IncidentChange change;
        change.set_change_type(v1::IncidentChange::UPDATED);
        *change.mutable_incident() = candidate;
        for (const v1::Victim& v : old.victims()) {
          change.add_previous_victims(v.organization());
        }
        *change.mutable_commit_time() = api::ToProtoTimestamp(now);
        auto sequence = changelog_.Commit(std::move(batch), std::move(change));
        if (!sequence.ok())
          return storage::StorageError(sequence.status(), "UpdateIncident");
        log::Info("incident updated", {{"name", candidate.name()},
                                       {"sequence", *sequence},
                                       {"by", caller.label}});
        auth::Redact(caller, &candidate);
        return candidate;
      });
}

absl::StatusOr<google::protobuf::Empty> IncidentEditor::DeleteIncident(
    const auth::Caller& caller, const v1::DeleteIncidentRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "DeleteIncident"));
  ASSIGN_OR_RETURN(std::string id,
                   api::ParseName(request.name(), kIncidentCollection, "name"));
  return writer_.Run<google::protobuf::Empty>(
      "DeleteIncident", [&]() -> absl::StatusOr<google::protobuf::Empty> {
        ASSIGN_OR_RETURN(StoredIncident current,
                         LoadIncident(store_, id, "DeleteIncident", kLatest));
        RETURN_IF_ERROR(
            CheckEtag(request.etag(), current.record.etag(), "etag"));
        auto events = store_.AllEvents(id, kLatest);
        if (!events.ok()) {
          return storage::StorageError(events.status(), "DeleteIncident");
        }
        auto sources = store_.AllSources(id, kLatest);
        if (!sources.ok()) {
          return storage::StorageError(sources.status(), "DeleteIncident");
        }
        storage::WriteBatch batch;
        for (const StoredEvent& e : *events)
          IncidentStore::DeleteEvent(id, e, &batch);
        for (const StoredSource& s : *sources) {
          IncidentStore::DeleteSource(id, s, &batch);
        }
        IncidentStore::DeleteIncident(current, &batch);
        v1::IncidentChange change;
        change.set_change_type(v1::IncidentChange::DELETED);
        *change.mutable_incident() = current.record;
        for (const v1::Victim& v : current.record.victims()) {
          change.add_previous_victims(v.organization());
        }
        *change.mutable_commit_time() = api::ToProtoTimestamp(clock_.Now());
        auto sequence = changelog_.Commit(std::move(batch), std::move(change));
        if (!sequence.ok())
          return storage::StorageError(sequence.status(), "DeleteIncident");
        log::Info("incident deleted", {{"name", request.name()},
                                       {"sequence", *sequence},
                                       {"by", caller.label}});
        return google::protobuf::Empty();
      });
}

}  // namespace atlas::incident
