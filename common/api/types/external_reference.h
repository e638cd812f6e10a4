// ExternalReference (atlas/type/v1/external_reference.proto): the id a
// record has in another system (`veris`, `mitre-attack`, `wikidata`), its
// checks and its key form "system:id". Shared by both services: within one
// service a (system, id) pair names at most one record, and the key is how
// stores index the pair and how filters name it.
//
// Rules (those of the proto):
//   system  1..64 characters of [a-z0-9._-], starting with a letter; input
//           is lower-cased first ("VERIS" -> "veris").
//   id      1..200 characters of UTF-8, no control characters (C0, DEL,
//           C1), no leading or trailing space; case kept.
//   url     optional, at most 2048 characters; input may be defanged, it
//           is stored refanged and normalised (api::NormalizeUrl).
//
// Every error is INVALID_ARGUMENT and its message starts with the field
// path given by the caller. Thread safety: pure functions.
#ifndef ATLAS_COMMON_API_TYPES_EXTERNAL_REFERENCE_H_
#define ATLAS_COMMON_API_TYPES_EXTERNAL_REFERENCE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "atlas/type/v1/external_reference.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace atlas::api {

// The most characters of ExternalReference.system and .id.
inline constexpr size_t kMaxExternalSystemChars = 64;
inline constexpr size_t kMaxExternalIdChars = 200;

// Checks `ref` (at `field`, "incident.external_references[0]") and
// normalises it in place: system lower-cased, url refanged and normalised.
absl::Status NormalizeExternalReference(atlas::type::v1::ExternalReference* ref,
                                        absl::string_view field);

// Normalises every reference of a record's list (`field`,
// "incident.external_references"): at most `max`, each as above, no
// (system, id) pair twice (INVALID_ARGUMENT naming the second).
absl::Status NormalizeExternalReferences(
    google::protobuf::RepeatedPtrField<atlas::type::v1::ExternalReference>*
        refs,
    absl::string_view field, int max);

// "system:id" of a normalised reference: the key stores index it under and
// filters name it by. Unambiguous: a system never holds ':'.
std::string ExternalReferenceKey(const atlas::type::v1::ExternalReference& ref);

// Parses "system:id" (a filter value) into its normalised key: split at the
// first ':', system lower-cased, both parts checked as above.
// INVALID_ARGUMENT naming `field` when there is no ':' or a part is bad.
absl::StatusOr<std::string> ParseExternalReferenceKey(absl::string_view text,
                                                      absl::string_view field);

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_TYPES_EXTERNAL_REFERENCE_H_
