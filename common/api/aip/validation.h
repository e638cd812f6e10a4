// Field checks shared by both services. Every error is INVALID_ARGUMENT and
// its message starts with the field path, then the rule broken.
#ifndef ATLAS_COMMON_API_AIP_VALIDATION_H_
#define ATLAS_COMMON_API_AIP_VALIDATION_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace atlas::api {

// True if `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(absl::string_view s);

// Number of code points in well-formed UTF-8 `s`.
size_t Utf8Length(absl::string_view s);

// `value` must be valid UTF-8 of min_chars..max_chars code points, with no
// control characters other than tab and newline.
absl::Status ValidateText(absl::string_view value, absl::string_view field,
                          size_t min_chars, size_t max_chars);

// A request_id (AIP-155): empty, or 1..64 characters of [A-Za-z0-9._-].
absl::Status ValidateRequestId(absl::string_view request_id);

// A repeated field may hold at most `max` items.
absl::Status ValidateCount(int count, absl::string_view field, int max);

// `country` must look like an upper-case ISO 3166-1 alpha-2 code (two
// letters A-Z). Membership in the ISO list is checked by the services.
absl::Status ValidateCountryShape(absl::string_view country,
                                  absl::string_view field);

// Checks `mask` against the writable paths of a resource: INVALID_ARGUMENT
// for an empty mask, an unknown path or an output-only one. "*" alone
// stands for every writable path. Returns the effective list in *paths.
absl::Status ValidateUpdateMask(
    const google::protobuf::FieldMask& mask,
    std::initializer_list<absl::string_view> writable,
    std::initializer_list<absl::string_view> output_only,
    std::vector<std::string>* paths);

// INVALID_ARGUMENT naming the first field of `request` (at any depth) that
// holds fields unknown to this build, e.g. "incident.victims[0]: unknown
// field 99 ...". A write stores only what its checks have seen, so every
// write path refuses unknown fields before anything else but the role
// check. OK when there are none.
absl::Status RejectUnknownFields(const google::protobuf::Message& request);

google::protobuf::Timestamp ToProtoTimestamp(absl::Time t);
absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& t);

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_AIP_VALIDATION_H_
