// The server side of WatchIncidentChanges: one reactor per stream.
//
// A stream replays the changelog from its start sequence in bounded chunks
// with one Write in flight at a time (the next one starts in OnWriteDone,
// so a slow reader holds at most one chunk in memory), then follows live
// commits through the Changelog's subscriptions (no polling), redacting
// every change for its caller. It ends with CANCELLED when the caller
// cancels, UNAVAILABLE when the server drains (Changelog::Shutdown),
// FAILED_PRECONDITION when its next change has been trimmed (the caller
// resynchronises: see changelog_retention.h), and the storage error if the
// changelog cannot be read; a follower resumes from its last applied
// sequence plus one.
#ifndef ATLAS_INCIDENT_SERVICE_CHANGE_STREAM_H_
#define ATLAS_INCIDENT_SERVICE_CHANGE_STREAM_H_

#include <cstdint>

#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "common/auth/api_keys.h"
#include "common/grpc/caller_budget.h"
#include "incident-service/changelog.h"

namespace atlas::incident {

// A stream for `caller` from sequence `start` (Changelog::WatchStart). It
// holds `slot` of `budget` (admitted by its caller) until gRPC is done with
// it; `changelog` and `budget` must outlive every stream. Owned by gRPC.
::grpc::ServerWriteReactor<v1::IncidentChange>* NewChangeStream(
    Changelog& changelog, grpc_util::CallerBudget& budget,
    grpc_util::CallerBudget::Slot slot, auth::Caller caller, int64_t start);

// A stream that ends at once with `status`.
::grpc::ServerWriteReactor<v1::IncidentChange>* NewFinishedChangeStream(
    ::grpc::Status status);

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_CHANGE_STREAM_H_
