// A VERIS record as the Atlas incident it becomes: the CreateIncident
// request, the victims still to be found or created in the catalog, and
// the URLs to store as its sources. docs/interop.md is the mapping table
// (VERIS path -> Atlas field, and what is lossy or dropped, with why);
// keep the two in step.
//
// Pure: no I/O, no gRPC; the same record always maps to the same result.
// Thread safety: Map is const and may run on many threads at once.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_MAPPER_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_MAPPER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/types/countries.h"
#include "tools/atlasctl/veris/record_json.h"
#include "tools/atlasctl/veris/victim_description.h"

namespace atlas::atlasctl::veris {

// The external-reference system of VERIS incident ids.
inline constexpr char kIncidentReferenceSystem[] = "veris";
// OriginalRecord.format of an imported VERIS record.
inline constexpr char kOriginalRecordFormat[] = "veris";
// The most an OriginalRecord may hold (veris.proto).
inline constexpr size_t kMaxOriginalRecordBytes = 1024 * 1024;
// The most sources an incident may hold (incident_service.proto:
// CreateIncidentRequest).
inline constexpr size_t kMaxSources = 500;

struct MappedRecord {
  // incident_id and incident are set; incident.victims is empty until the
  // victims are resolved, and request_id is left to the writer (it derives
  // it from the finished request).
  incident::v1::CreateIncidentRequest request;
  // The organisations to find or create, primary first; empty when the
  // victim is unknown (incident.victim_unknown is then true).
  std::vector<VictimDescription> victims;
  // Source URLs, normalised, in order, at most kMaxSources; also in
  // request.sources (id ImportedSourceId(url)), created with the incident.
  std::vector<std::string> source_urls;
};

class VerisMapper {
 public:
  // `countries` (not owned) tells ISO 3166-1 codes from VERIS's other
  // country values; it must outlive the mapper.
  explicit VerisMapper(const api::CountryList& countries)
      : countries_(countries) {}

  // Maps a record the VERIS schema accepted. `content` is the record's
  // compact JSON text, kept verbatim as the incident's original record.
  // INVALID_ARGUMENT "PATH: reason" (PATH a JSON path in the record, "$"
  // for the whole) when the record cannot become an incident: no
  // incident_id, a date that does not exist, text beyond what the incident
  // holds.
  absl::StatusOr<MappedRecord> Map(const Json& record,
                                   absl::string_view content) const;

  // "veris-" + the VERIS incident_id lower-cased when that is a valid
  // incident id (1..63 of [a-z0-9-], letter or digit at both ends, as
  // every VCDB id is); otherwise "veris-" + OrganizationSlug-style folding
  // cut to fit, + "-" + 8 hex of the id's SHA-256, so that distinct VERIS
  // ids stay distinct. INVALID_ARGUMENT naming incident_id when it is
  // empty.
  static absl::StatusOr<std::string> IncidentId(absl::string_view veris_id);

 private:
  const api::CountryList& countries_;
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_MAPPER_H_
