// Redaction of members-only fields, driven by the proto descriptors.
//
// A field is members-only when it carries `[(atlas.type.v1.access_tier) =
// MEMBER]`. A "record" is any message with a `repeated string
// redacted_fields` field (Organization, Incident, TimelineEvent, Source).
//
// For a caller who is not a member, Redact() walks the whole message
// (responses, records nested in responses, stream messages), clears every
// members-only field and appends its path, relative to the nearest record,
// to that record's `redacted_fields` (each path once, in field order). The
// paths are listed whether or not the field held a value, so the list shows
// nothing about the data. Members get the message unchanged, with
// `redacted_fields` empty.
//
// Because the rule is read from the descriptors, a new field marked MEMBER
// is redacted everywhere with no code change.
//
// Thread-safe: the per-type plan is computed once and cached.
#ifndef ATLAS_COMMON_AUTH_REDACTION_H_
#define ATLAS_COMMON_AUTH_REDACTION_H_

#include <string>
#include <vector>

#include "common/auth/api_keys.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace atlas::auth {

// Redacts `message` in place for `caller`.
void Redact(const Caller& caller, google::protobuf::Message* message);

// Clears members-only fields unconditionally (the public view), as Redact
// does for a public caller.
void RedactForPublic(google::protobuf::Message* message);

// The members-only field paths of a record type, relative to it, as they
// appear in `redacted_fields`. For tests and documentation.
std::vector<std::string> MembersOnlyPaths(
    const google::protobuf::Descriptor* record);

// The redaction policy of a record type as text: its full name and every
// members-only path below it, nested ones included ("relative_date.
// expression"), in field order. Two builds redact a record type alike iff
// their texts are equal; stores keep it beside their stored public views
// (common/storage/public_views.h).
std::string RedactionPolicy(const google::protobuf::Descriptor* record);

}  // namespace atlas::auth

#endif  // ATLAS_COMMON_AUTH_REDACTION_H_
