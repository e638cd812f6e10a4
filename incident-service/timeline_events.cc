#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/aip/page_token.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
#include "common/auth/redaction.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"
#include "common/storage/storage_error.h"
#include "incident-service/derived_figures.h"
#include "incident-service/incident_records.h"
#include "incident-service/timeline_core.h"
#include "incident-service/timeline_references.h"

namespace atlas::incident {
namespace {

using v1::Incident;
using v1::Source;
using v1::TimelineEvent;
constexpr storage::ReadView kLatest = storage::ReadView::kLatest;

// The paths UpdateTimelineEvent accepts, and those it refuses as output only.
const std::initializer_list<absl::string_view> kEventWritable = {
    "type", "date", "relative_date", "end_date", "description", "sources"};
const std::initializer_list<absl::string_view> kEventOutputOnly = {
    "name",        "effective_date", "create_time",
    "update_time", "etag",           "redacted_fields"};
}  // namespace

absl::Status TimelineCore::CommitSubresourceChange(
    StoredIncident incident, const std::vector<StoredEvent>& events,
    int source_count, storage::WriteBatch batch, absl::string_view op) {
  StoredIncident before = incident;
  Incident& record = incident.record;
  std::vector<TimelineEvent> timeline;
  timeline.reserve(events.size());
  for (const StoredEvent& e : events) timeline.push_back(e.record);
  record.set_event_count(static_cast<int32_t>(events.size()));
  record.set_source_count(source_count);
  *record.mutable_derived_figures() = ComputeDerivedFigures(timeline);
  SetEtag(&record);
  IncidentStore::PutIncident(incident, &before, &batch);
  v1::IncidentChange change;
  change.set_change_type(v1::IncidentChange::UPDATED);
  *change.mutable_incident() = record;
  for (const v1::Victim& v : record.victims()) {
    change.add_previous_victims(v.organization());
  }
  *change.mutable_commit_time() = api::ToProtoTimestamp(clock_.Now());
  auto sequence = changelog_.Commit(std::move(batch), std::move(change));
  if (!sequence.ok()) return storage::StorageError(sequence.status(), op);
  log::Info("incident changed",
            {{"name", record.name()}, {"op", op}, {"sequence", *sequence}});
  return absl::OkStatus();
}

absl::StatusOr<TimelineEvent> TimelineCore::GetTimelineEvent(
    const auth::Caller& caller, const v1::GetTimelineEventRequest& request) {
  return GetTimelineEvent(caller, request, storage::ReadView::kDurable);
}

absl::StatusOr<TimelineEvent> TimelineCore::GetTimelineEvent(
    const auth::Caller& caller, const v1::GetTimelineEventRequest& request,
    storage::ReadView view) {
  ASSIGN_OR_RETURN(api::ChildName name,
                   api::ParseChildName(request.name(), kIncidentCollection,
                                       "events", "name"));
  auto event = store_.GetEvent(name.parent_id, name.id, view);
  if (absl::IsNotFound(event.status())) return NotFound(request.name());
  if (!event.ok())
    return storage::StorageError(event.status(), "GetTimelineEvent");
  auth::Redact(caller, &event->record);
  return std::move(event->record);
}

absl::StatusOr<v1::ListTimelineEventsResponse> TimelineCore::ListTimelineEvents(
    const auth::Caller& caller, const v1::ListTimelineEventsRequest& request) {
  constexpr absl::string_view kOp = "ListTimelineEvents";
  ASSIGN_OR_RETURN(ChildPage page,
                   PageOfChildren(
                       store_, "events", request.parent(), request.page_size(),
                       request.page_token(),
                       [&](absl::string_view incident, absl::string_view cursor,
                           IncidentStore::IndexVisitor visit) {
                         return store_.ScanTimeline(incident, cursor, visit);
                       },
                       kOp));
  v1::ListTimelineEventsResponse response;
  response.set_next_page_token(page.next_page_token);
  for (const std::string& event_id : page.ids) {
    auto event = store_.GetEvent(page.incident_id, event_id);
    if (!event.ok()) return storage::StorageError(event.status(), kOp);
    *response.add_events() = std::move(event->record);
  }
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<TimelineEvent> TimelineCore::CreateTimelineEvent(
    const auth::Caller& caller, const v1::CreateTimelineEventRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "CreateTimelineEvent"));
  RETURN_IF_ERROR(api::RejectUnknownFields(request));
  RETURN_IF_ERROR(api::ValidateRequestId(request.request_id()));
  ASSIGN_OR_RETURN(
      std::string incident_id,
      api::ParseName(request.parent(), kIncidentCollection, "parent"));
  std::string id = request.event_id();
  if (!id.empty()) RETURN_IF_ERROR(api::ValidateId(id, "event_id"));
  if (!request.has_event())
    return absl::InvalidArgumentError("event: required");
  TimelineEvent event = request.event();
  RETURN_IF_ERROR(validator_.ValidateEvent(&event, incident_id, "event"));
  const std::string fingerprint = api::RequestFingerprint(request);

  return writer_.Run<TimelineEvent>(
      "CreateTimelineEvent", [&]() -> absl::StatusOr<TimelineEvent> {
        ASSIGN_OR_RETURN(std::optional<std::string> replayed,
                         ReplayedName(store_, request.request_id(), fingerprint,
                                      "CreateTimelineEvent", kLatest));
        if (replayed.has_value()) {
          v1::GetTimelineEventRequest get;
          get.set_name(*replayed);
          return GetTimelineEvent(caller, get, kLatest);
        }
        ASSIGN_OR_RETURN(
            StoredIncident incident,
            LoadIncident(store_, incident_id, "CreateTimelineEvent", kLatest));
        if (incident.record.event_count() >= kMaxEventsPerIncident) {
          return absl::FailedPreconditionError(absl::StrCat(
              incident.record.name(), " already has ", kMaxEventsPerIncident,
              " events, the most an incident may hold"));
        }
        auto sources = store_.AllSources(incident_id, kLatest);
        if (!sources.ok())
          return storage::StorageError(sources.status(), "CreateTimelineEvent");
        auto events = store_.AllEvents(incident_id, kLatest);
        if (!events.ok())
          return storage::StorageError(events.status(), "CreateTimelineEvent");
        const auto source_map = SourceMap(*sources);
        RETURN_IF_ERROR(CheckEventReferences(event, source_map, "event"));
        if (id.empty()) id = api::GenerateId();
        const std::string name =
            absl::StrCat(incident.record.name(), "/events/", id);
        auto existing = store_.GetEvent(incident_id, id, kLatest);
        if (existing.ok()) {
          return absl::AlreadyExistsError(
              absl::StrCat(name, " already exists"));
        }
        if (!absl::IsNotFound(existing.status())) {
          return storage::StorageError(existing.status(),
                                       "CreateTimelineEvent");
        }
        event.set_name(name);
        Resolve(&event, source_map);
        *event.mutable_create_time() = api::ToProtoTimestamp(clock_.Now());
        *event.mutable_update_time() = event.create_time();
        SetEtag(&event);
        StoredEvent stored{event, changelog_.next_sequence()};
        storage::WriteBatch batch;
        IncidentStore::PutEvent(incident_id, stored, nullptr, &batch);
        if (!request.request_id().empty()) {
          IncidentStore::PutRequest(request.request_id(), {fingerprint, name},
                                    &batch);
        }
        events->push_back(stored);
        RETURN_IF_ERROR(CommitSubresourceChange(
            std::move(incident), *events, static_cast<int>(sources->size()),
            std::move(batch), "CreateTimelineEvent"));
        auth::Redact(caller, &event);
        return event;
      });
}

absl::StatusOr<TimelineEvent> TimelineCore::UpdateTimelineEvent(
    const auth::Caller& caller, const v1::UpdateTimelineEventRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "UpdateTimelineEvent"));
  RETURN_IF_ERROR(api::RejectUnknownFields(request));
  if (!request.has_event())
    return absl::InvalidArgumentError("event: required");
  ASSIGN_OR_RETURN(
      api::ChildName name,
      api::ParseChildName(request.event().name(), kIncidentCollection, "events",
                          "event.name"));
  std::vector<std::string> paths;
  RETURN_IF_ERROR(api::ValidateUpdateMask(request.update_mask(), kEventWritable,
                                          kEventOutputOnly, &paths));
  return writer_.Run<TimelineEvent>(
      "UpdateTimelineEvent", [&]() -> absl::StatusOr<TimelineEvent> {
        ASSIGN_OR_RETURN(StoredIncident incident,
                         LoadIncident(store_, name.parent_id,
                                      "UpdateTimelineEvent", kLatest));
        auto current = store_.GetEvent(name.parent_id, name.id, kLatest);
        if (absl::IsNotFound(current.status()))
          return NotFound(request.event().name());
        if (!current.ok())
          return storage::StorageError(current.status(), "UpdateTimelineEvent");
        RETURN_IF_ERROR(CheckEtag(request.event().etag(),
                                  current->record.etag(), "event.etag"));
        const TimelineEvent& in = request.event();
        TimelineEvent merged = current->record;
        for (const std::string& p : paths) {
          if (p == "type") {
            merged.set_type(in.type());
          } else if (p == "date") {
            if (in.has_date()) {
              *merged.mutable_date() = in.date();
            } else if (merged.has_date()) {
              merged.clear_date();
            }
          } else if (p == "relative_date") {
            if (in.has_relative_date()) {
              *merged.mutable_relative_date() = in.relative_date();
            } else if (merged.has_relative_date()) {
              merged.clear_relative_date();
            }
          } else if (p == "end_date") {
            *merged.mutable_end_date() = in.end_date();
            if (!in.has_end_date()) merged.clear_end_date();
          } else if (p == "description") {
            merged.set_description(in.description());
          } else if (p == "sources") {
            *merged.mutable_sources() = in.sources();
          }
        }
        RETURN_IF_ERROR(
            validator_.ValidateEvent(&merged, name.parent_id, "event"));
        auto sources = store_.AllSources(name.parent_id, kLatest);
        if (!sources.ok())
          return storage::StorageError(sources.status(), "UpdateTimelineEvent");
        auto events = store_.AllEvents(name.parent_id, kLatest);
        if (!events.ok())
          return storage::StorageError(events.status(), "UpdateTimelineEvent");
        const auto source_map = SourceMap(*sources);
        RETURN_IF_ERROR(CheckEventReferences(merged, source_map, "event"));
        merged.set_name(current->record.name());
        Resolve(&merged, source_map);
        *merged.mutable_create_time() = current->record.create_time();
        *merged.mutable_update_time() = api::ToProtoTimestamp(clock_.Now());
        SetEtag(&merged);
        StoredEvent updated{merged, current->ordinal};
        storage::WriteBatch batch;
        IncidentStore::PutEvent(name.parent_id, updated, &*current, &batch);
        for (StoredEvent& e : *events) {
          if (e.record.name() == merged.name()) e = updated;
        }
        RETURN_IF_ERROR(CommitSubresourceChange(
            std::move(incident), *events, static_cast<int>(sources->size()),
            std::move(batch), "UpdateTimelineEvent"));
        auth::Redact(caller, &merged);
        return merged;
      });
}

absl::StatusOr<google::protobuf::Empty> TimelineCore::DeleteTimelineEvent(
    const auth::Caller& caller, const v1::DeleteTimelineEventRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "DeleteTimelineEvent"));
  ASSIGN_OR_RETURN(api::ChildName name,
                   api::ParseChildName(request.name(), kIncidentCollection,
                                       "events", "name"));
  return writer_.Run<google::protobuf::Empty>(
      "DeleteTimelineEvent", [&]() -> absl::StatusOr<google::protobuf::Empty> {
        ASSIGN_OR_RETURN(StoredIncident incident,
                         LoadIncident(store_, name.parent_id,
                                      "DeleteTimelineEvent", kLatest));
        auto current = store_.GetEvent(name.parent_id, name.id, kLatest);
        if (absl::IsNotFound(current.status())) return NotFound(request.name());
        if (!current.ok())
          return storage::StorageError(current.status(), "DeleteTimelineEvent");
        RETURN_IF_ERROR(
            CheckEtag(request.etag(), current->record.etag(), "etag"));
        auto events = store_.AllEvents(name.parent_id, kLatest);
        if (!events.ok())
          return storage::StorageError(events.status(), "DeleteTimelineEvent");
        auto sources = store_.AllSources(name.parent_id, kLatest);
        if (!sources.ok())
          return storage::StorageError(sources.status(), "DeleteTimelineEvent");
        storage::WriteBatch batch;
        IncidentStore::DeleteEvent(name.parent_id, *current, &batch);
        events->erase(std::remove_if(events->begin(), events->end(),
                                     [&](const StoredEvent& e) {
                                       return e.record.name() == request.name();
                                     }),
                      events->end());
        RETURN_IF_ERROR(CommitSubresourceChange(
            std::move(incident), *events, static_cast<int>(sources->size()),
            std::move(batch), "DeleteTimelineEvent"));
        return google::protobuf::Empty();
      });
}

}  // namespace atlas::incident
