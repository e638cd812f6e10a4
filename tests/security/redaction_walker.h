// Walks a response by reflection and checks redaction: every field marked
// `access_tier = MEMBER` is present for a member, and for anyone else empty
// and listed in the enclosing record's `redacted_fields` (GoogleTest
// expectations, naming `where`).
#ifndef ATLAS_TESTS_SECURITY_REDACTION_WALKER_H_
#define ATLAS_TESTS_SECURITY_REDACTION_WALKER_H_

#include <memory>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace atlas::access_table {

struct WalkStats {
  int records = 0;
  int members_only_fields = 0;
};

// Walks `m` recursively. `record` is the nearest enclosing record (a message
// with `redacted_fields`), `prefix` the path of `m` relative to it.
void Walk(const google::protobuf::Message& m,
          const google::protobuf::Message* record, const std::string& prefix,
          bool member, const std::string& where, WalkStats* stats);

// True for a field marked `(atlas.type.v1.access_tier) = MEMBER`.
bool IsMembersOnly(const google::protobuf::FieldDescriptor* f);
// The `redacted_fields` of a record type, or null for another message.
const google::protobuf::FieldDescriptor* RedactedFieldsOf(
    const google::protobuf::Descriptor* d);

// An empty message of type `d` from the generated factory.
std::unique_ptr<google::protobuf::Message> NewMessage(
    const google::protobuf::Descriptor* d);

}  // namespace atlas::access_table

#endif  // ATLAS_TESTS_SECURITY_REDACTION_WALKER_H_
