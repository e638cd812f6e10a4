#include "tools/atlasctl/import_command.h"

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "common/grpc/status_conversion.h"
#include "common/status/status_macros.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tools/atlasctl/veris/veris_import_command.h"

namespace atlas::atlasctl {
namespace {

namespace catalog = ::atlas::catalog::v1;
namespace incident = ::atlas::incident::v1;
namespace pb = ::google::protobuf;

// One line of the file, read.
struct ImportLine {
  std::string kind;
  std::string parent;
  std::string id;
  std::string request_id;
  std::string record_json;
};

// Fills kind, parent and id from a resource name; false if it is not one.
bool FromResourceName(absl::string_view name, ImportLine& line) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() == 2 && parts[0] == "organizations") {
    line.kind = "organization";
  } else if (parts.size() == 2 && parts[0] == "incidents") {
    line.kind = "incident";
  } else if (parts.size() == 4 && parts[0] == "incidents" &&
             (parts[2] == "events" || parts[2] == "sources")) {
    line.kind = parts[2] == "events" ? "event" : "source";
    line.parent = absl::StrCat("incidents/", parts[1]);
  } else {
    return false;
  }
  line.id = parts.back();
  return !line.id.empty();
}

absl::StatusOr<std::string> ToJson(const pb::Message& message) {
  std::string json;
  pb::util::Status printed = pb::util::MessageToJsonString(message, &json);
  if (!printed.ok()) {
    return absl::InternalError(std::string(printed.message()));
  }
  return json;
}

absl::StatusOr<ImportLine> ParseLine(absl::string_view text) {
  pb::Struct object;
  pb::util::Status parsed = pb::util::JsonStringToMessage(
      pb::StringPiece(text.data(), text.size()), &object);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a JSON object: ", SingleLine(std::string(parsed.message()))));
  }
  const auto& fields = object.fields();
  ImportLine line;
  if (fields.count("kind") == 0) {
    // A bare resource, as `--output json` prints it.
    auto name = fields.find("name");
    if (name == fields.end() ||
        !FromResourceName(name->second.string_value(), line)) {
      return absl::InvalidArgumentError(
          "no \"kind\", and no \"name\" that is a resource name "
          "(organizations/x, incidents/x, incidents/x/events/y, "
          "incidents/x/sources/y)");
    }
    ASSIGN_OR_RETURN(line.record_json, ToJson(object));
    return line;
  }
  bool has_record = false;
  for (const auto& [key, value] : fields) {
    if (key == "record") {
      if (value.kind_case() != pb::Value::kStructValue) {
        return absl::InvalidArgumentError("\"record\" must be an object");
      }
      ASSIGN_OR_RETURN(line.record_json, ToJson(value.struct_value()));
      has_record = true;
      continue;
    }
    std::string* target = key == "kind"         ? &line.kind
                          : key == "parent"     ? &line.parent
                          : key == "id"         ? &line.id
                          : key == "request_id" ? &line.request_id
                                                : nullptr;
    if (target == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown key \"", key,
                       "\" (expected kind, parent, id, request_id, record)"));
    }
    if (value.kind_case() != pb::Value::kStringValue) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", key, "\" must be a string"));
    }
    *target = value.string_value();
  }
  if (!has_record) {
    return absl::InvalidArgumentError("\"record\" is missing");
  }
  if (line.kind != "organization" && line.kind != "incident" &&
      line.kind != "event" && line.kind != "source") {
    return absl::InvalidArgumentError(
        absl::StrCat("\"kind\": \"", line.kind,
                     "\" is not organization, incident, event or source"));
  }
  if (line.id.empty()) {
    // A record that carries its name keeps it, so that re-imports of an
    // export find the same ids.
    auto record = fields.at("record").struct_value().fields();
    auto name = record.find("name");
    ImportLine from_name;
    if (name != record.end() &&
        FromResourceName(name->second.string_value(), from_name) &&
        from_name.kind == line.kind) {
      line.id = from_name.id;
      if (line.parent.empty()) line.parent = from_name.parent;
    }
  }
  if ((line.kind == "event" || line.kind == "source") && line.parent.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"parent\" (incidents/x) is required for a ", line.kind));
  }
  return line;
}

absl::Status ParseRecord(const std::string& json, pb::Message& message) {
  pb::util::Status parsed = pb::util::JsonStringToMessage(json, &message);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"record\" is not a valid ", message.GetDescriptor()->full_name(),
        ": ", SingleLine(std::string(parsed.message()))));
  }
  return absl::OkStatus();
}

enum class Outcome { kCreated, kPresent };

class Importer {
 public:
  explicit Importer(Env& env)
      : env_(env),
        catalog_(catalog::CatalogService::NewStub(env.CatalogChannel())),
        incidents_(incident::IncidentService::NewStub(env.IncidentsChannel())),
        started_(absl::Now()) {}

  absl::StatusOr<Outcome> Import(const ImportLine& line) {
    if (line.kind == "organization") {
      catalog::CreateOrganizationRequest request;
      RETURN_IF_ERROR(
          ParseRecord(line.record_json, *request.mutable_organization()));
      request.set_organization_id(line.id);
      request.set_request_id(line.request_id);
      return Create<catalog::Organization>(
          line,
          [&](::grpc::ClientContext* c, catalog::Organization* out) {
            return catalog_->CreateOrganization(c, request, out);
          },
          [&](::grpc::ClientContext* c) {
            catalog::GetOrganizationRequest get;
            get.set_name(absl::StrCat("organizations/", line.id));
            catalog::Organization out;
            return catalog_->GetOrganization(c, get, &out);
          });
    }
    if (line.kind == "incident") {
      incident::CreateIncidentRequest request;
      RETURN_IF_ERROR(
          ParseRecord(line.record_json, *request.mutable_incident()));
      request.set_incident_id(line.id);
      request.set_request_id(line.request_id);
      return Create<incident::Incident>(
          line,
          [&](::grpc::ClientContext* c, incident::Incident* out) {
            return incidents_->CreateIncident(c, request, out);
          },
          [&](::grpc::ClientContext* c) {
            incident::GetIncidentRequest get;
            get.set_name(absl::StrCat("incidents/", line.id));
            incident::Incident out;
            return incidents_->GetIncident(c, get, &out);
          });
    }
    if (line.kind == "event") {
      incident::CreateTimelineEventRequest request;
      RETURN_IF_ERROR(ParseRecord(line.record_json, *request.mutable_event()));
      request.set_parent(line.parent);
      request.set_event_id(line.id);
      request.set_request_id(line.request_id);
      return Create<incident::TimelineEvent>(
          line,
          [&](::grpc::ClientContext* c, incident::TimelineEvent* out) {
            return incidents_->CreateTimelineEvent(c, request, out);
          },
          [&](::grpc::ClientContext* c) {
            incident::GetTimelineEventRequest get;
            get.set_name(absl::StrCat(line.parent, "/events/", line.id));
            incident::TimelineEvent out;
            return incidents_->GetTimelineEvent(c, get, &out);
          });
    }
    incident::CreateSourceRequest request;
    RETURN_IF_ERROR(ParseRecord(line.record_json, *request.mutable_source()));
    request.set_parent(line.parent);
    request.set_source_id(line.id);
    request.set_request_id(line.request_id);
    return Create<incident::Source>(
        line,
        [&](::grpc::ClientContext* c, incident::Source* out) {
          return incidents_->CreateSource(c, request, out);
        },
        [&](::grpc::ClientContext* c) {
          incident::GetSourceRequest get;
          get.set_name(absl::StrCat(line.parent, "/sources/", line.id));
          incident::Source out;
          return incidents_->GetSource(c, get, &out);
        });
  }

 private:
  template <typename Resource>
  absl::StatusOr<Outcome> Create(
      const ImportLine& line,
      const std::function<::grpc::Status(::grpc::ClientContext*, Resource*)>&
          create,
      const std::function<::grpc::Status(::grpc::ClientContext*)>& get) {
    Resource created;
    auto context = env_.NewContext();
    absl::Status status =
        grpc_util::FromGrpcStatus(create(context.get(), &created));
    if (status.ok()) {
      // A replayed request_id returns the resource made by an earlier run.
      absl::Time create_time =
          absl::FromUnixSeconds(created.create_time().seconds()) +
          absl::Nanoseconds(created.create_time().nanos());
      return created.has_create_time() && create_time < started_
                 ? Outcome::kPresent
                 : Outcome::kCreated;
    }
    if (status.code() == absl::StatusCode::kAlreadyExists && !line.id.empty()) {
      // ALREADY_EXISTS may also mean a conflict with another record (a
      // domain owned by another organisation): only an existing id counts.
      auto get_context = env_.NewContext();
      if (get(get_context.get()).ok()) return Outcome::kPresent;
    }
    return status;
  }

  Env& env_;
  std::unique_ptr<catalog::CatalogService::Stub> catalog_;
  std::unique_ptr<incident::IncidentService::Stub> incidents_;
  const absl::Time started_;
};

absl::Status RunImport(const Invocation& invocation, Env& env) {
  ASSIGN_OR_RETURN(std::string text, ReadInput(invocation.args[0]));
  // (line number, text) of the lines to import.
  std::vector<std::pair<int, absl::string_view>> lines;
  int number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++number;
    absl::string_view stripped = absl::StripAsciiWhitespace(raw);
    if (stripped.empty() || absl::StartsWith(stripped, "#")) continue;
    lines.emplace_back(number, stripped);
  }
  const size_t total = lines.size();
  const bool progress = total > 100;
  Importer importer(env);
  size_t created = 0, present = 0, failed = 0;
  absl::Status first_error;
  for (size_t i = 0; i < total; ++i) {
    absl::StatusOr<ImportLine> line = ParseLine(lines[i].second);
    absl::StatusOr<Outcome> outcome =
        line.ok() ? importer.Import(*line) : line.status();
    if (outcome.ok()) {
      (*outcome == Outcome::kCreated ? created : present)++;
    } else {
      ++failed;
      env.err() << "error: line " << lines[i].first << ": "
                << absl::StatusCodeToString(outcome.status().code()) << ": "
                << outcome.status().message() << "\n";
      if (first_error.ok()) first_error = outcome.status();
      if (outcome.status().code() == absl::StatusCode::kUnavailable ||
          outcome.status().code() == absl::StatusCode::kUnauthenticated ||
          outcome.status().code() == absl::StatusCode::kPermissionDenied) {
        // Every further line would fail the same way.
        env.err() << "import stopped at line " << lines[i].first << "\n";
        break;
      }
    }
    if (progress && ((i + 1) % 100 == 0 || i + 1 == total)) {
      env.err() << "imported " << (i + 1) << "/" << total << "\n";
    }
  }
  env.err() << "import: " << total << " records: " << created << " created, "
            << present << " already present, " << failed << " failed\n";
  if (failed == 0) return absl::OkStatus();
  return absl::Status(
      first_error.code(),
      absl::StrCat(failed, " of ", total,
                   " records failed; first: ", first_error.message()));
}

// The JSON-lines import (the default) or, with --format=veris, the VERIS
// import (tools/atlasctl/veris/veris_import_command.h).
absl::Status RunImportCommand(const Invocation& invocation, Env& env) {
  const std::string format = invocation.Flag("format").value_or("jsonl");
  if (format == "veris") return veris::RunVerisImport(invocation, env);
  if (format != "jsonl") {
    return UsageError(
        absl::StrCat("--format: \"", format, "\" is not jsonl or veris"));
  }
  if (invocation.Flag("veris-dir").has_value() ||
      invocation.Flag("update").has_value()) {
    return UsageError("--veris_dir and --update go with --format=veris");
  }
  if (invocation.args.size() != 1) {
    return UsageError("the JSON-lines import reads one FILE (or -)");
  }
  return RunImport(invocation, env);
}

}  // namespace

std::vector<Command> ImportCommands() {
  return {{.words = {"import"},
           .args_usage = "FILE|- (--format=veris: PATH...)",
           .help = "create records from a JSON-lines file (see "
                   "tools/atlasctl/import_command.h), or with "
                   "--format=veris from VERIS records: files, directories, "
                   "VCDB's joined file, - (see docs/interop.md; --update "
                   "rewrites incidents whose record changed); re-runs "
                   "create nothing new",
           .min_args = 1,
           .max_args = 1000000,
           .flags = {"format", "veris-dir", "update"},
           .handler = RunImportCommand}};
}

}  // namespace atlas::atlasctl
