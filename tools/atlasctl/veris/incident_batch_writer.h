// Writes incidents through BatchCreateIncidents, in batches bounded by
// count and bytes, a few batches in flight, and turns the all-or-nothing
// answer of a batch back into one answer per incident.
//
// A batch leaves when a slot is free and it is full (count or bytes), or
// when its oldest write has waited `linger`: writes that trickle in (while
// victims are created one by one) still travel in batches, which costs the
// incident service far less than many small ones; while all slots are
// busy, writes queue and the next batch grows.
//
// A batch that fails naming `requests[i]` is sent again without request i,
// at once; request i gets the error (its own: a field the server refuses,
// a missing victim, an id already taken). A batch that fails without
// naming a request, after the runner's retries, is split into batches of
// one, so a record that breaks something unforeseen fails alone.
//
// Thread safety: Add may be called from any thread; `done` runs on a gRPC
// thread, once per write.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_INCIDENT_BATCH_WRITER_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_INCIDENT_BATCH_WRITER_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "tools/atlasctl/veris/rpc_runner.h"

namespace atlas::atlasctl::veris {

// The answer to one write.
struct CreateAnswer {
  // OK: `incident` is what the server holds (new, or the first result of
  // the same request_id). Otherwise the server's error for this request,
  // its `requests[i].` prefix removed: ALREADY_EXISTS when the id (or the
  // external reference) is taken, INVALID_ARGUMENT naming the field, ...
  absl::Status status;
  incident::v1::Incident incident;
};

class IncidentBatchWriter {
 public:
  struct Options {
    // BatchCreateIncidents takes at most 1000 requests.
    int max_count = 1000;
    // Below the servers' 4 MiB request limit with room for the answer
    // (which the client receives under the same default limit).
    size_t max_bytes = 3 * 1024 * 1024 - 64 * 1024;
    int max_in_flight = 3;
    // How long a write may wait for others to fill its batch.
    absl::Duration linger = absl::Milliseconds(20);
  };

  // `stub` and `runner` are not owned and must outlive the writer.
  IncidentBatchWriter(incident::v1::IncidentService::StubInterface& stub,
                      RpcRunner& runner, Options options);

  // Queues a create (incident_id and request_id set); `done` gets its
  // answer. A request larger than max_bytes still goes, alone.
  void Add(incident::v1::CreateIncidentRequest request,
           std::function<void(CreateAnswer)> done);

  struct Counts {
    int64_t batches = 0;
    int64_t requests = 0;
    // Batches sent again without a request they named.
    int64_t resent = 0;
  };
  Counts counts() const;

 private:
  struct Write {
    incident::v1::CreateIncidentRequest request;
    size_t bytes = 0;
    std::function<void(CreateAnswer)> done;
    // Goes in a batch of its own (its batch failed without naming it).
    bool alone = false;
    // When it was queued (first queued, for a write sent again).
    absl::Time queued;
  };

  // Sends batches while slots are free.
  void Dispatch();
  void Send(std::vector<Write> batch);
  void Answer(
      std::vector<Write> batch,
      absl::StatusOr<incident::v1::BatchCreateIncidentsResponse> response);

  incident::v1::IncidentService::StubInterface& stub_;
  RpcRunner& runner_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<Write> queue_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  Counts counts_ ABSL_GUARDED_BY(mu_);
  // A Dispatch is scheduled for when the oldest queued write has lingered.
  bool timer_armed_ ABSL_GUARDED_BY(mu_) = false;
};

// The request a batch error names ("requests[3].incident.summary: ..." ->
// 3), or -1.
int NamedRequest(absl::string_view message);

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_INCIDENT_BATCH_WRITER_H_
