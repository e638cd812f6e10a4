// Writes incidents through BatchCreateIncidents, in batches (BatchQueue:
// bounded by count and bytes, a few in flight, a short linger), and turns
// the all-or-nothing answer of a batch back into one answer per incident.
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
#include "tools/atlasctl/veris/batch_queue.h"
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
  // BatchCreateIncidents takes at most 1000 requests (the default
  // max_count); the default max_bytes stays below the servers' 4 MiB
  // request limit with room for the answer.
  using Options = BatchOptions;

  // `stub` and `runner` are not owned and must outlive the writer.
  IncidentBatchWriter(incident::v1::IncidentService::StubInterface& stub,
                      RpcRunner& runner, Options options);

  // Queues a create (incident_id and request_id set); `done` gets its
  // answer. A request larger than max_bytes still goes, alone.
  void Add(incident::v1::CreateIncidentRequest request,
           std::function<void(CreateAnswer)> done);

  // Batches sent, requests sent, and batches sent again without a
  // request they named.
  using Counts = BatchCounts;
  Counts counts() const { return queue_.counts(); }

 private:
  struct Write {
    incident::v1::CreateIncidentRequest request;
    std::function<void(CreateAnswer)> done;
  };
  using Queue = BatchQueue<Write>;

  void Send(std::vector<Queue::Entry> batch);
  void Answer(
      std::vector<Queue::Entry> batch,
      absl::StatusOr<incident::v1::BatchCreateIncidentsResponse> response);

  incident::v1::IncidentService::StubInterface& stub_;
  RpcRunner& runner_;
  Queue queue_;
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_INCIDENT_BATCH_WRITER_H_
