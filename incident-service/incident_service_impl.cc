#include "incident-service/incident_service_impl.h"

#include <utility>

#include "common/grpc/call_context.h"
#include "common/grpc/status_conversion.h"
#include "common/grpc/unary.h"
#include "incident-service/change_stream.h"

namespace atlas::incident {

using grpc_util::RunRead;
using grpc_util::RunUnary;
using grpc_util::RunUnaryOn;

::grpc::ServerUnaryReactor* IncidentServiceImpl::GetIncident(
    ::grpc::CallbackServerContext* context, const ::grpc::ByteBuffer* request,
    ::grpc::ByteBuffer* response) {
  return grpc_util::RunUnaryWire<v1::GetIncidentRequest>(
      point_reads_, context, keys_, request, response,
      [&](const auth::Caller& caller, const v1::GetIncidentRequest& r) {
        return core_.GetIncidentWire(caller, r);
      });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::ListIncidents(
    ::grpc::CallbackServerContext* context,
    const v1::ListIncidentsRequest* request,
    v1::ListIncidentsResponse* response) {
  return RunRead(pages_, public_reads_, context, keys_, response,
                 [this, request](const auth::Caller& caller) {
                   return core_.ListIncidents(caller, *request);
                 });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::SearchIncidents(
    ::grpc::CallbackServerContext* context,
    const v1::SearchIncidentsRequest* request,
    v1::SearchIncidentsResponse* response) {
  return RunRead(pages_, public_reads_, context, keys_, response,
                 [this, request](const auth::Caller& caller) {
                   return search_.Search(caller, *request);
                 });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::CreateIncident(
    ::grpc::CallbackServerContext* context,
    const v1::CreateIncidentRequest* request, v1::Incident* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "CreateIncident", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.CreateIncident(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::BatchCreateIncidents(
    ::grpc::CallbackServerContext* context,
    const v1::BatchCreateIncidentsRequest* request,
    v1::BatchCreateIncidentsResponse* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "BatchCreateIncidents", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.BatchCreateIncidents(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::UpdateIncident(
    ::grpc::CallbackServerContext* context,
    const v1::UpdateIncidentRequest* request, v1::Incident* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "UpdateIncident", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.UpdateIncident(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::DeleteIncident(
    ::grpc::CallbackServerContext* context,
    const v1::DeleteIncidentRequest* request,
    google::protobuf::Empty* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "DeleteIncident", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.DeleteIncident(caller, *request);
                    });
}

// On the writers' executor: it may wait (bounded) for in-flight writes.
::grpc::ServerUnaryReactor* IncidentServiceImpl::CheckOrganizationReferences(
    ::grpc::CallbackServerContext* context,
    const v1::CheckOrganizationReferencesRequest* request,
    v1::CheckOrganizationReferencesResponse* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kService,
                    "CheckOrganizationReferences", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.CheckOrganizationReferences(caller,
                                                               *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::GetTimelineEvent(
    ::grpc::CallbackServerContext* context,
    const v1::GetTimelineEventRequest* request, v1::TimelineEvent* response) {
  return RunUnary(point_reads_, context, keys_, response,
                  [&](const auth::Caller& caller) {
                    return core_.GetTimelineEvent(caller, *request);
                  });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::ListTimelineEvents(
    ::grpc::CallbackServerContext* context,
    const v1::ListTimelineEventsRequest* request,
    v1::ListTimelineEventsResponse* response) {
  return RunRead(pages_, public_reads_, context, keys_, response,
                 [this, request](const auth::Caller& caller) {
                   return core_.ListTimelineEvents(caller, *request);
                 });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::CreateTimelineEvent(
    ::grpc::CallbackServerContext* context,
    const v1::CreateTimelineEventRequest* request,
    v1::TimelineEvent* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "CreateTimelineEvent", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.CreateTimelineEvent(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::UpdateTimelineEvent(
    ::grpc::CallbackServerContext* context,
    const v1::UpdateTimelineEventRequest* request,
    v1::TimelineEvent* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "UpdateTimelineEvent", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.UpdateTimelineEvent(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::DeleteTimelineEvent(
    ::grpc::CallbackServerContext* context,
    const v1::DeleteTimelineEventRequest* request,
    google::protobuf::Empty* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "DeleteTimelineEvent", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.DeleteTimelineEvent(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::GetSource(
    ::grpc::CallbackServerContext* context, const v1::GetSourceRequest* request,
    v1::Source* response) {
  return RunUnary(point_reads_, context, keys_, response,
                  [&](const auth::Caller& caller) {
                    return core_.GetSource(caller, *request);
                  });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::ListSources(
    ::grpc::CallbackServerContext* context,
    const v1::ListSourcesRequest* request, v1::ListSourcesResponse* response) {
  return RunRead(pages_, public_reads_, context, keys_, response,
                 [this, request](const auth::Caller& caller) {
                   return core_.ListSources(caller, *request);
                 });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::CreateSource(
    ::grpc::CallbackServerContext* context,
    const v1::CreateSourceRequest* request, v1::Source* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "CreateSource", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.CreateSource(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::UpdateSource(
    ::grpc::CallbackServerContext* context,
    const v1::UpdateSourceRequest* request, v1::Source* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "UpdateSource", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.UpdateSource(caller, *request);
                    });
}

::grpc::ServerUnaryReactor* IncidentServiceImpl::DeleteSource(
    ::grpc::CallbackServerContext* context,
    const v1::DeleteSourceRequest* request, google::protobuf::Empty* response) {
  return RunUnaryOn(writers_, context, keys_, auth::Role::kEditor,
                    "DeleteSource", response,
                    [this, request](const auth::Caller& caller) {
                      return core_.DeleteSource(caller, *request);
                    });
}

::grpc::ServerWriteReactor<v1::IncidentChange>*
IncidentServiceImpl::WatchIncidentChanges(
    ::grpc::CallbackServerContext* context,
    const v1::WatchIncidentChangesRequest* request) {
  absl::StatusOr<auth::Caller> caller = grpc_util::CallerOf(*context, keys_);
  if (!caller.ok())
    return NewFinishedChangeStream(grpc_util::ToGrpcStatus(caller.status()));
  absl::StatusOr<int64_t> start = changelog_.WatchStart(*request);
  if (!start.ok())
    return NewFinishedChangeStream(grpc_util::ToGrpcStatus(start.status()));
  // An open stream holds memory for as long as the subscriber stays: it
  // takes a slot of the stream budget, by caller class (never a read slot).
  grpc_util::CallerBudget::Slot slot;
  if (!streams_.Admit(*caller, context->peer(), &slot)) {
    return NewFinishedChangeStream(grpc_util::Overloaded(
        caller->role == auth::Role::kPublic ? "public streams" : "streams"));
  }
  return NewChangeStream(changelog_, streams_, std::move(slot),
                         *std::move(caller), *start);
}

void IncidentServiceImpl::CloseStreams() { changelog_.Shutdown(); }

}  // namespace atlas::incident
