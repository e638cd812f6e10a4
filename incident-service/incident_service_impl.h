// IncidentServiceImpl: the gRPC adapter (callback API) over IncidentCore.
// Reads run inline on gRPC's callback threads; writes (synced, and calling
// the catalog) run on a bounded executor and answer RESOURCE_EXHAUSTED when
// it is full. No business rule lives here.
//
// WatchIncidentChanges streams are served from the Changelog (see
// change_stream.h); each holds a slot of the stream budget of its caller's
// class (public, keyed, or the reserved share of the other service).
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_SERVICE_IMPL_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_SERVICE_IMPL_H_

#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "common/auth/api_keys.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/caller_budget.h"
#include "incident-service/changelog.h"
#include "incident-service/incident_core.h"
#include "incident-service/search/incident_search.h"

namespace atlas::incident {

// GetIncident is a raw method: it answers with the stored bytes of the
// caller's view (IncidentCore::GetIncidentWire); the wire contract is the
// proto's.
class IncidentServiceImpl final
    : public v1::IncidentService::WithRawCallbackMethod_GetIncident<
          v1::IncidentService::CallbackService> {
 public:
  // All arguments must outlive the service. Writes run on `writers`
  // (callers without the role are refused before queueing). Reads have one
  // budget per kind of work, each split by caller class
  // (grpc_util::CallerBudget::Split: public callers a quarter, the other
  // service a reserved share): `max_inflight_point_reads` for the
  // single-record Gets, `max_inflight_reads` for list pages; change streams
  // have `stream_limits`. Past its class's share a call gets
  // RESOURCE_EXHAUSTED; other classes and kinds are unaffected. A slot is
  // held until gRPC is done with the call, which under a saturated CPU
  // comes well after the client has its answer (a 64-call closed loop held
  // over 256 Get slots), hence the larger point-read bound. Public
  // callers' pages run on `public_reads` (a few low-priority threads,
  // grpc_util::RunRead). Searches share the page budget and executor.
  IncidentServiceImpl(IncidentCore& core, search::IncidentSearch& search,
                      Changelog& changelog, const auth::KeyRegistry& keys,
                      concurrency::BoundedExecutor& writers,
                      concurrency::BoundedExecutor& public_reads,
                      int max_inflight_reads = 256,
                      int max_inflight_point_reads = 2048,
                      grpc_util::CallerBudget::Limits stream_limits = {})
      : core_(core),
        search_(search),
        changelog_(changelog),
        keys_(keys),
        writers_(writers),
        public_reads_(public_reads),
        pages_(grpc_util::CallerBudget::Split(max_inflight_reads)),
        point_reads_(grpc_util::CallerBudget::Split(max_inflight_point_reads)),
        streams_(stream_limits) {}

  ::grpc::ServerUnaryReactor* GetIncident(
      ::grpc::CallbackServerContext* context, const ::grpc::ByteBuffer* request,
      ::grpc::ByteBuffer* response) override;
  ::grpc::ServerUnaryReactor* ListIncidents(
      ::grpc::CallbackServerContext* context,
      const v1::ListIncidentsRequest* request,
      v1::ListIncidentsResponse* response) override;
  ::grpc::ServerUnaryReactor* SearchIncidents(
      ::grpc::CallbackServerContext* context,
      const v1::SearchIncidentsRequest* request,
      v1::SearchIncidentsResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateIncident(
      ::grpc::CallbackServerContext* context,
      const v1::CreateIncidentRequest* request,
      v1::Incident* response) override;
  ::grpc::ServerUnaryReactor* BatchCreateIncidents(
      ::grpc::CallbackServerContext* context,
      const v1::BatchCreateIncidentsRequest* request,
      v1::BatchCreateIncidentsResponse* response) override;
  ::grpc::ServerUnaryReactor* UpdateIncident(
      ::grpc::CallbackServerContext* context,
      const v1::UpdateIncidentRequest* request,
      v1::Incident* response) override;
  ::grpc::ServerUnaryReactor* DeleteIncident(
      ::grpc::CallbackServerContext* context,
      const v1::DeleteIncidentRequest* request,
      google::protobuf::Empty* response) override;
  ::grpc::ServerUnaryReactor* CheckOrganizationReferences(
      ::grpc::CallbackServerContext* context,
      const v1::CheckOrganizationReferencesRequest* request,
      v1::CheckOrganizationReferencesResponse* response) override;
  ::grpc::ServerUnaryReactor* GetTimelineEvent(
      ::grpc::CallbackServerContext* context,
      const v1::GetTimelineEventRequest* request,
      v1::TimelineEvent* response) override;
  ::grpc::ServerUnaryReactor* ListTimelineEvents(
      ::grpc::CallbackServerContext* context,
      const v1::ListTimelineEventsRequest* request,
      v1::ListTimelineEventsResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateTimelineEvent(
      ::grpc::CallbackServerContext* context,
      const v1::CreateTimelineEventRequest* request,
      v1::TimelineEvent* response) override;
  ::grpc::ServerUnaryReactor* UpdateTimelineEvent(
      ::grpc::CallbackServerContext* context,
      const v1::UpdateTimelineEventRequest* request,
      v1::TimelineEvent* response) override;
  ::grpc::ServerUnaryReactor* DeleteTimelineEvent(
      ::grpc::CallbackServerContext* context,
      const v1::DeleteTimelineEventRequest* request,
      google::protobuf::Empty* response) override;
  ::grpc::ServerUnaryReactor* GetSource(::grpc::CallbackServerContext* context,
                                        const v1::GetSourceRequest* request,
                                        v1::Source* response) override;
  ::grpc::ServerUnaryReactor* ListSources(
      ::grpc::CallbackServerContext* context,
      const v1::ListSourcesRequest* request,
      v1::ListSourcesResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateSource(
      ::grpc::CallbackServerContext* context,
      const v1::CreateSourceRequest* request, v1::Source* response) override;
  ::grpc::ServerUnaryReactor* UpdateSource(
      ::grpc::CallbackServerContext* context,
      const v1::UpdateSourceRequest* request, v1::Source* response) override;
  ::grpc::ServerUnaryReactor* DeleteSource(
      ::grpc::CallbackServerContext* context,
      const v1::DeleteSourceRequest* request,
      google::protobuf::Empty* response) override;
  ::grpc::ServerWriteReactor<v1::IncidentChange>* WatchIncidentChanges(
      ::grpc::CallbackServerContext* context,
      const v1::WatchIncidentChangesRequest* request) override;

  // Ends every open WatchIncidentChanges stream (UNAVAILABLE) and refuses
  // new ones, so that they do not hold the server's drain. Wire it to
  // ServerOptions::on_drain_start. Idempotent.
  void CloseStreams();

  // The read and stream budgets by name, for metrics.
  std::vector<std::pair<absl::string_view, const grpc_util::CallerBudget*>>
  budgets() const {
    return {{"pages", &pages_},
            {"point_reads", &point_reads_},
            {"streams", &streams_}};
  }

 private:
  IncidentCore& core_;
  search::IncidentSearch& search_;
  Changelog& changelog_;
  const auth::KeyRegistry& keys_;
  concurrency::BoundedExecutor& writers_;
  concurrency::BoundedExecutor& public_reads_;
  grpc_util::CallerBudget pages_;
  grpc_util::CallerBudget point_reads_;
  grpc_util::CallerBudget streams_;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_SERVICE_IMPL_H_
