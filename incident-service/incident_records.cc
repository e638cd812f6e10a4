#include "incident-service/incident_records.h"

#include "absl/strings/str_cat.h"
#include "common/api/types/external_reference.h"
#include "common/status/error_details.h"
#include "common/storage/request_records.h"
#include "common/storage/storage_error.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"

namespace atlas::incident {

absl::Status NotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(name, " does not exist"));
}

absl::StatusOr<StoredIncident> LoadIncident(const IncidentStore& store,
                                            absl::string_view id,
                                            absl::string_view op,
                                            storage::ReadView view) {
  absl::StatusOr<StoredIncident> incident = store.GetIncident(id, view);
  if (absl::IsNotFound(incident.status())) {
    return NotFound(absl::StrCat(kIncidentCollection, "/", id));
  }
  if (!incident.ok()) return storage::StorageError(incident.status(), op);
  return incident;
}

absl::StatusOr<std::optional<std::string>> ReplayedName(
    const IncidentStore& store, absl::string_view request_id,
    absl::string_view fingerprint, absl::string_view op,
    storage::ReadView view) {
  if (request_id.empty()) return std::optional<std::string>();
  auto previous = store.GetRequest(request_id, view);
  if (!previous.ok()) return storage::StorageError(previous.status(), op);
  return storage::ReplayedName(*previous, fingerprint);
}

v1::Incident WritableCopy(const v1::Incident& in) {
  v1::Incident out = in;
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

void SetCounts(v1::Incident* incident) {
  incident->set_motive_count(incident->motives_size());
  incident->set_technique_count(incident->techniques_size());
  incident->set_threat_actor_count(incident->threat_actors_size());
}

void MergeMasked(const google::protobuf::Message& from,
                 const std::vector<std::string>& paths,
                 google::protobuf::Message* to) {
  google::protobuf::FieldMask mask;
  for (const std::string& p : paths) mask.add_paths(p);
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(from, mask, options,
                                                        to);
}

absl::Status ExternalReferenceTaken(absl::string_view field,
                                    absl::string_view key,
                                    absl::string_view holder) {
  return absl::AlreadyExistsError(
      absl::StrCat(field, ": ", key, " is already held by ", holder));
}

absl::Status CheckExternalReferencesFree(const IncidentStore& store,
                                         const v1::Incident& incident,
                                         absl::string_view self_id,
                                         absl::string_view field,
                                         absl::string_view op,
                                         storage::ReadView view) {
  for (int i = 0; i < incident.external_references_size(); ++i) {
    const std::string key =
        api::ExternalReferenceText(incident.external_references(i));
    absl::StatusOr<std::optional<std::string>> holder =
        store.ExternalReferenceHolder(key, view);
    if (!holder.ok()) return storage::StorageError(holder.status(), op);
    if (holder->has_value() && **holder != self_id) {
      return ExternalReferenceTaken(
          absl::StrCat(field, ".external_references[", i, "]"), key,
          absl::StrCat(kIncidentCollection, "/", **holder));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckEtag(absl::string_view given, absl::string_view current,
                       absl::string_view field) {
  if (given.empty() || given == current) return absl::OkStatus();
  return status::WithPreconditionViolation(
      status::WithErrorReason(
          absl::AbortedError(absl::StrCat(
              field,
              ": stale etag; read the resource again and retry the change")),
          status::kReasonEtagMismatch),
      "ETAG", field, "the etag given is not the resource's current etag");
}

}  // namespace atlas::incident
