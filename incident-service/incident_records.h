// What the incident core's parts share about stored records: loading an
// incident with the API's errors, request_id replay, etags, and the fields a
// client may write. Free functions over IncidentStore; no state.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_RECORDS_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_RECORDS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/aip/digest.h"
#include "google/protobuf/message.h"
#include "incident-service/incident_store.h"

namespace atlas::incident {

// The collection of incident names: "incidents/{id}".
inline constexpr char kIncidentCollection[] = "incidents";

// NOT_FOUND "<name> does not exist".
absl::Status NotFound(absl::string_view name);

// The incident `id` in `view`. NOT_FOUND naming incidents/`id`; storage
// failures as StorageError for `op`.
absl::StatusOr<StoredIncident> LoadIncident(
    const IncidentStore& store, absl::string_view id, absl::string_view op,
    storage::ReadView view = storage::ReadView::kDurable);

// The name created by a committed request with `request_id` (AIP-155), or
// nullopt (always for an empty request_id). INVALID_ARGUMENT if the
// request_id was used for a request with another fingerprint; storage
// failures as StorageError for `op`.
absl::StatusOr<std::optional<std::string>> ReplayedName(
    const IncidentStore& store, absl::string_view request_id,
    absl::string_view fingerprint, absl::string_view op,
    storage::ReadView view);

// `in` with only what a client may write (output-only fields cleared,
// technique names included: the server fills them).
v1::Incident WritableCopy(const v1::Incident& in);

// Fills the public counts from the members-only lists they summarise.
void SetCounts(v1::Incident* incident);

// Gives a record being written a new etag (a random version token: see
// api::NewEtag for why not a digest).
template <typename Record>
void SetEtag(Record* record) {
  record->set_etag(api::NewEtag());
}

// Replaces the fields of `to` named by `paths` (validated update_mask
// paths) with those of `from`; message and repeated fields are replaced
// whole (AIP-134). `from` and `to` are of the same type.
void MergeMasked(const google::protobuf::Message& from,
                 const std::vector<std::string>& paths,
                 google::protobuf::Message* to);

// ALREADY_EXISTS "<field>: <key> is already held by <holder>" (a (system,
// id) pair names one incident; `field` is the reference's path).
absl::Status ExternalReferenceTaken(absl::string_view field,
                                    absl::string_view key,
                                    absl::string_view holder);

// The external references of `incident` (under `field`, "incident") are
// held by no incident but `self_id` (empty for a create) in `view`:
// ALREADY_EXISTS naming the first one held and its holder; storage
// failures as StorageError for `op`. Writers call it under the write mutex
// on the kLatest view, so two writes of one pair cannot both pass.
absl::Status CheckExternalReferencesFree(const IncidentStore& store,
                                         const v1::Incident& incident,
                                         absl::string_view self_id,
                                         absl::string_view field,
                                         absl::string_view op,
                                         storage::ReadView view);

// ABORTED naming `field` when `given` is set and differs from `current`
// (AIP-154).
absl::Status CheckEtag(absl::string_view given, absl::string_view current,
                       absl::string_view field);

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_RECORDS_H_
