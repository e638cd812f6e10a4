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

// The paths UpdateSource accepts, and those it refuses as output only.
const std::initializer_list<absl::string_view> kSourceWritable = {
    "url",      "title", "publisher", "published_date",
    "language", "kind",  "grade",     "excerpt"};
const std::initializer_list<absl::string_view> kSourceOutputOnly = {
    "name", "create_time", "update_time", "etag", "redacted_fields"};

}  // namespace

absl::StatusOr<Source> TimelineCore::GetSource(
    const auth::Caller& caller, const v1::GetSourceRequest& request) {
  return GetSource(caller, request, storage::ReadView::kDurable);
}

absl::StatusOr<Source> TimelineCore::GetSource(
    const auth::Caller& caller, const v1::GetSourceRequest& request,
    storage::ReadView view) {
  ASSIGN_OR_RETURN(api::ChildName name,
                   api::ParseChildName(request.name(), kIncidentCollection,
                                       "sources", "name"));
  auto source = store_.GetSource(name.parent_id, name.id, view);
  if (absl::IsNotFound(source.status())) return NotFound(request.name());
  if (!source.ok()) return storage::StorageError(source.status(), "GetSource");
  auth::Redact(caller, &source->record);
  return std::move(source->record);
}

absl::StatusOr<v1::ListSourcesResponse> TimelineCore::ListSources(
    const auth::Caller& caller, const v1::ListSourcesRequest& request) {
  constexpr absl::string_view kOp = "ListSources";
  ASSIGN_OR_RETURN(ChildPage page,
                   PageOfChildren(
                       store_, "sources", request.parent(), request.page_size(),
                       request.page_token(),
                       [&](absl::string_view incident, absl::string_view cursor,
                           IncidentStore::IndexVisitor visit) {
                         return store_.ScanSourceOrder(incident, cursor, visit);
                       },
                       kOp));
  v1::ListSourcesResponse response;
  response.set_next_page_token(page.next_page_token);
  for (const std::string& source_id : page.ids) {
    auto source = store_.GetSource(page.incident_id, source_id);
    if (!source.ok()) return storage::StorageError(source.status(), kOp);
    *response.add_sources() = std::move(source->record);
  }
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<Source> TimelineCore::CreateSource(
    const auth::Caller& caller, const v1::CreateSourceRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "CreateSource"));
  RETURN_IF_ERROR(api::RejectUnknownFields(request));
  RETURN_IF_ERROR(api::ValidateRequestId(request.request_id()));
  ASSIGN_OR_RETURN(
      std::string incident_id,
      api::ParseName(request.parent(), kIncidentCollection, "parent"));
  std::string id = request.source_id();
  if (!id.empty()) RETURN_IF_ERROR(api::ValidateId(id, "source_id"));
  if (!request.has_source())
    return absl::InvalidArgumentError("source: required");
  Source source = request.source();
  RETURN_IF_ERROR(validator_.ValidateSource(&source, "source"));
  const std::string fingerprint = api::RequestFingerprint(request);

  return writer_.Run<Source>("CreateSource", [&]() -> absl::StatusOr<Source> {
    ASSIGN_OR_RETURN(std::optional<std::string> replayed,
                     ReplayedName(store_, request.request_id(), fingerprint,
                                  "CreateSource", kLatest));
    if (replayed.has_value()) {
      v1::GetSourceRequest get;
      get.set_name(*replayed);
      return GetSource(caller, get, kLatest);
    }
    ASSIGN_OR_RETURN(
        StoredIncident incident,
        LoadIncident(store_, incident_id, "CreateSource", kLatest));
    if (incident.record.source_count() >= kMaxSourcesPerIncident) {
      return absl::FailedPreconditionError(absl::StrCat(
          incident.record.name(), " already has ", kMaxSourcesPerIncident,
          " sources, the most an incident may hold"));
    }
    auto sources = store_.AllSources(incident_id, kLatest);
    if (!sources.ok())
      return storage::StorageError(sources.status(), "CreateSource");
    auto events = store_.AllEvents(incident_id, kLatest);
    if (!events.ok())
      return storage::StorageError(events.status(), "CreateSource");
    if (id.empty()) id = api::GenerateId();
    const std::string name =
        absl::StrCat(incident.record.name(), "/sources/", id);
    auto existing = store_.GetSource(incident_id, id, kLatest);
    if (existing.ok()) {
      return absl::AlreadyExistsError(absl::StrCat(name, " already exists"));
    }
    if (!absl::IsNotFound(existing.status())) {
      return storage::StorageError(existing.status(), "CreateSource");
    }
    source.set_name(name);
    *source.mutable_create_time() = api::ToProtoTimestamp(clock_.Now());
    *source.mutable_update_time() = source.create_time();
    SetEtag(&source);
    storage::WriteBatch batch;
    // The ordinal orders the incident's sources: the sequence of this
    // change, or past the highest when sources created with the incident
    // (numbered up from its sequence) reach beyond it.
    int64_t ordinal = changelog_.next_sequence();
    for (const StoredSource& s : *sources)
      ordinal = std::max(ordinal, s.ordinal + 1);
    IncidentStore::PutSource(incident_id, {source, ordinal}, &batch);
    if (!request.request_id().empty()) {
      IncidentStore::PutRequest(request.request_id(), {fingerprint, name},
                                &batch);
    }
    RETURN_IF_ERROR(CommitSubresourceChange(
        std::move(incident), *events, static_cast<int>(sources->size()) + 1,
        std::move(batch), "CreateSource"));
    auth::Redact(caller, &source);
    return source;
  });
}

absl::StatusOr<Source> TimelineCore::UpdateSource(
    const auth::Caller& caller, const v1::UpdateSourceRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "UpdateSource"));
  RETURN_IF_ERROR(api::RejectUnknownFields(request));
  if (!request.has_source())
    return absl::InvalidArgumentError("source: required");
  ASSIGN_OR_RETURN(
      api::ChildName name,
      api::ParseChildName(request.source().name(), kIncidentCollection,
                          "sources", "source.name"));
  std::vector<std::string> paths;
  RETURN_IF_ERROR(api::ValidateUpdateMask(
      request.update_mask(), kSourceWritable, kSourceOutputOnly, &paths));
  return writer_.Run<Source>("UpdateSource", [&]() -> absl::StatusOr<Source> {
    ASSIGN_OR_RETURN(
        StoredIncident incident,
        LoadIncident(store_, name.parent_id, "UpdateSource", kLatest));
    auto current = store_.GetSource(name.parent_id, name.id, kLatest);
    if (absl::IsNotFound(current.status()))
      return NotFound(request.source().name());
    if (!current.ok())
      return storage::StorageError(current.status(), "UpdateSource");
    RETURN_IF_ERROR(CheckEtag(request.source().etag(), current->record.etag(),
                              "source.etag"));
    Source merged = current->record;
    MergeMasked(request.source(), paths, &merged);
    RETURN_IF_ERROR(validator_.ValidateSource(&merged, "source"));
    merged.set_name(current->record.name());
    *merged.mutable_create_time() = current->record.create_time();
    *merged.mutable_update_time() = api::ToProtoTimestamp(clock_.Now());
    SetEtag(&merged);
    auto sources = store_.AllSources(name.parent_id, kLatest);
    if (!sources.ok())
      return storage::StorageError(sources.status(), "UpdateSource");
    auto events = store_.AllEvents(name.parent_id, kLatest);
    if (!events.ok())
      return storage::StorageError(events.status(), "UpdateSource");
    for (StoredSource& s : *sources) {
      if (s.record.name() == merged.name()) s.record = merged;
    }
    const auto source_map = SourceMap(*sources);
    storage::WriteBatch batch;
    IncidentStore::PutSource(name.parent_id, {merged, current->ordinal},
                             &batch);
    // Relative dates anchored to this source resolve (or change) with its
    // published date; their timeline keys move in the same batch.
    for (StoredEvent& e : *events) {
      if (!e.record.has_relative_date() ||
          e.record.relative_date().anchor_source() != merged.name()) {
        continue;
      }
      StoredEvent before = e;
      Resolve(&e.record, source_map);
      if (e.record.relative_date().SerializeAsString() ==
              before.record.relative_date().SerializeAsString() &&
          e.record.effective_date().SerializeAsString() ==
              before.record.effective_date().SerializeAsString()) {
        continue;
      }
      SetEtag(&e.record);
      IncidentStore::PutEvent(name.parent_id, e, &before, &batch);
    }
    RETURN_IF_ERROR(CommitSubresourceChange(std::move(incident), *events,
                                            static_cast<int>(sources->size()),
                                            std::move(batch), "UpdateSource"));
    auth::Redact(caller, &merged);
    return merged;
  });
}

absl::StatusOr<google::protobuf::Empty> TimelineCore::DeleteSource(
    const auth::Caller& caller, const v1::DeleteSourceRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "DeleteSource"));
  ASSIGN_OR_RETURN(api::ChildName name,
                   api::ParseChildName(request.name(), kIncidentCollection,
                                       "sources", "name"));
  return writer_.Run<google::protobuf::Empty>(
      "DeleteSource", [&]() -> absl::StatusOr<google::protobuf::Empty> {
        ASSIGN_OR_RETURN(
            StoredIncident incident,
            LoadIncident(store_, name.parent_id, "DeleteSource", kLatest));
        auto current = store_.GetSource(name.parent_id, name.id, kLatest);
        if (absl::IsNotFound(current.status())) return NotFound(request.name());
        if (!current.ok())
          return storage::StorageError(current.status(), "DeleteSource");
        RETURN_IF_ERROR(
            CheckEtag(request.etag(), current->record.etag(), "etag"));
        auto events = store_.AllEvents(name.parent_id, kLatest);
        if (!events.ok())
          return storage::StorageError(events.status(), "DeleteSource");
        auto sources = store_.AllSources(name.parent_id, kLatest);
        if (!sources.ok())
          return storage::StorageError(sources.status(), "DeleteSource");
        for (const StoredEvent& e : *events) {
          bool anchored =
              e.record.has_relative_date() &&
              e.record.relative_date().anchor_source() == request.name();
          bool cited =
              std::find(e.record.sources().begin(), e.record.sources().end(),
                        request.name()) != e.record.sources().end();
          if (anchored || cited) {
            return absl::FailedPreconditionError(absl::StrCat(
                request.name(), " is ", anchored ? "the anchor of" : "cited by",
                " ", e.record.name(), "; change that event first"));
          }
        }
        storage::WriteBatch batch;
        IncidentStore::DeleteSource(name.parent_id, *current, &batch);
        RETURN_IF_ERROR(CommitSubresourceChange(
            std::move(incident), *events, static_cast<int>(sources->size()) - 1,
            std::move(batch), "DeleteSource"));
        return google::protobuf::Empty();
      });
}

}  // namespace atlas::incident
