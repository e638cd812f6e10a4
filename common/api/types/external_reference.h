// ExternalReference (proto/atlas/type/v1/external_reference.proto): the id a
// record has in another system (`veris`, `mitre-attack`, `wikidata`), as
// both services check and store it (Organization.external_references in
// the catalog, Incident.external_references in incident-service).
//
// Format and normalisation only: whether a `(system, id)` pair is already
// held by another record is each service's check against its own index.
//
// Stored form: `system` lower-cased (ASCII); `id` exactly as given (case
// kept); `url` refanged and normalised as api::NormalizeUrl does (empty
// stays empty). Pairs compare exactly on (system, id) in stored form.
//
// Every error is INVALID_ARGUMENT and its message starts with the field
// path given by the caller, extended with the part at fault
// (`organization.external_references[2].system`).
//
// Thread safety: every function may be called concurrently.
#ifndef ATLAS_COMMON_API_TYPES_EXTERNAL_REFERENCE_H_
#define ATLAS_COMMON_API_TYPES_EXTERNAL_REFERENCE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "atlas/type/v1/external_reference.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace atlas::api {

// At most this many references per record (both services' contracts).
inline constexpr int kMaxExternalReferences = 16;

// Limits of the contract, in characters (code points for `id`).
inline constexpr size_t kMaxExternalSystemChars = 64;
inline constexpr size_t kMaxExternalIdChars = 200;
inline constexpr size_t kMaxExternalUrlChars = 2048;

// `system` as stored: lower-cased, then 1..64 characters of [a-z0-9._-]
// starting with a letter. INVALID_ARGUMENT naming `field` otherwise (the
// message quotes at most 64 bytes of the input).
absl::StatusOr<std::string> NormalizeExternalSystem(absl::string_view system,
                                                    absl::string_view field);

// OK for an `id` of 1..200 characters of valid UTF-8 with no control
// character (C0, DEL, C1) and no leading or trailing white space (ASCII
// space or a Unicode space separator); INVALID_ARGUMENT naming `field`.
absl::Status ValidateExternalId(absl::string_view id, absl::string_view field);

// Checks `*ref` and rewrites it into its stored form: `system` lower-cased,
// `url` (optional; at most 2048 characters before and after normalising)
// refanged and normalised. Errors name `field`.system, `field`.id or
// `field`.url. On error `*ref` may be partly normalised.
absl::Status NormalizeExternalReference(type::v1::ExternalReference* ref,
                                        absl::string_view field);

// NormalizeExternalReference on each of `*refs` (errors name `field`[i].*),
// then: at most kMaxExternalReferences (`field`), and no two with the same
// (system, id) in stored form (`field`[j], naming the pair and the earlier
// index i). OK for an empty list.
absl::Status NormalizeExternalReferences(
    google::protobuf::RepeatedPtrField<type::v1::ExternalReference>* refs,
    absl::string_view field);

// The pair as text, `system:id` (for messages and filters). The id is not
// escaped: the text is for people, not for parsing back when the id holds
// a colon.
std::string ExternalReferenceText(const type::v1::ExternalReference& ref);

// Parses `system:id` (split at the first colon; the id may hold further
// colons) into a stored-form reference without url, checked as above.
// INVALID_ARGUMENT naming `field` when there is no colon, or naming
// `field`: system / `field`: id for a part that breaks its rule.
absl::StatusOr<type::v1::ExternalReference> ParseExternalReferenceText(
    absl::string_view text, absl::string_view field);

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_TYPES_EXTERNAL_REFERENCE_H_
