// Fuzzes the JSON side of `atlasctl import` (tools/atlasctl/import_command.*).
//
// The command's line parser (ParseLine) is private to import_command.cc and
// the command needs servers, so this target drives the same library calls
// in the same order: the line into a google.protobuf.Struct (the envelope),
// the "record" object printed back to JSON, and that JSON (or, for a bare
// resource, the whole line) into each record type (Organization, Incident,
// TimelineEvent, Source) with the default options the command uses.
// Input: one line of an import file.
// Contracts:
//  - no crash, leak or hang on any bytes (protobuf's JSON parser and printer);
//  - a record that parses prints to JSON that parses back to an equal
//    message (what `orgs list -o json | atlasctl import -` relies on).
#include <cstdint>
#include <string>

#include "atlas/catalog/v1/catalog_service.pb.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace pb = ::google::protobuf;

template <typename Record>
void ParseRecord(const std::string& json) {
  Record record;
  if (!pb::util::JsonStringToMessage(json, &record).ok()) return;
  std::string printed;
  if (!pb::util::MessageToJsonString(record, &printed).ok()) return;
  Record again;
  pb::util::Status status = pb::util::JsonStringToMessage(printed, &again);
  if (!status.ok()) {
    std::fprintf(stderr, "%s printed as %s does not parse back: %s\n",
                 Record::descriptor()->full_name().c_str(), printed.c_str(),
                 std::string(status.message()).c_str());
  }
  FUZZ_CHECK(status.ok());
  FUZZ_CHECK(pb::util::MessageDifferencer::Equals(record, again));
}

void ParseAllRecords(const std::string& json) {
  ParseRecord<atlas::catalog::v1::Organization>(json);
  ParseRecord<atlas::incident::v1::Incident>(json);
  ParseRecord<atlas::incident::v1::TimelineEvent>(json);
  ParseRecord<atlas::incident::v1::Source>(json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  pb::Struct envelope;
  if (!pb::util::JsonStringToMessage(line, &envelope).ok()) return 0;
  const auto& fields = envelope.fields();
  auto record = fields.find("record");
  if (record == fields.end()) {
    // A bare resource: the command prints the object back and parses that.
    std::string json;
    if (pb::util::MessageToJsonString(envelope, &json).ok()) {
      ParseAllRecords(json);
    }
    return 0;
  }
  if (record->second.kind_case() != pb::Value::kStructValue) return 0;
  std::string json;
  if (!pb::util::MessageToJsonString(record->second.struct_value(), &json)
           .ok()) {
    return 0;
  }
  ParseAllRecords(json);
  return 0;
}
