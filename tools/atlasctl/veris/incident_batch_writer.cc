#include "tools/atlasctl/veris/incident_batch_writer.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "tools/atlasctl/veris/batch_errors.h"

namespace atlas::atlasctl::veris {
namespace {

namespace inc = ::atlas::incident::v1;

// Bytes a request adds to a batch: its own plus the field's tag and length.
size_t WireBytes(const inc::CreateIncidentRequest& request) {
  return request.ByteSizeLong() + 8;
}

}  // namespace

IncidentBatchWriter::IncidentBatchWriter(
    inc::IncidentService::StubInterface& stub, RpcRunner& runner,
    Options options)
    : stub_(stub),
      runner_(runner),
      queue_(runner, options, [this](std::vector<Queue::Entry> batch) {
        Send(std::move(batch));
      }) {}

void IncidentBatchWriter::Add(inc::CreateIncidentRequest request,
                              std::function<void(CreateAnswer)> done) {
  const size_t bytes = WireBytes(request);
  queue_.Add(Write{std::move(request), std::move(done)}, bytes);
}

void IncidentBatchWriter::Send(std::vector<Queue::Entry> batch) {
  inc::BatchCreateIncidentsRequest request;
  request.mutable_requests()->Reserve(static_cast<int>(batch.size()));
  for (const Queue::Entry& e : batch) *request.add_requests() = e.item.request;
  auto* stub = &stub_;
  auto entries = std::make_shared<std::vector<Queue::Entry>>(std::move(batch));
  runner_.Call<inc::BatchCreateIncidentsRequest,
               inc::BatchCreateIncidentsResponse>(
      [stub](::grpc::ClientContext* context,
             const inc::BatchCreateIncidentsRequest* req,
             inc::BatchCreateIncidentsResponse* resp,
             std::function<void(::grpc::Status)> on_done) {
        stub->async()->BatchCreateIncidents(context, req, resp,
                                            std::move(on_done));
      },
      std::move(request),
      [this,
       entries](absl::StatusOr<inc::BatchCreateIncidentsResponse> answer) {
        Answer(std::move(*entries), std::move(answer));
      });
}

void IncidentBatchWriter::Answer(
    std::vector<Queue::Entry> batch,
    absl::StatusOr<inc::BatchCreateIncidentsResponse> response) {
  const std::vector<std::string> keys = Queue::KeysOf(batch);
  // Answers are given once the queue has the leftover back.
  std::vector<std::pair<std::function<void(CreateAnswer)>, CreateAnswer>>
      answers;
  if (response.ok() &&
      response->incidents_size() == static_cast<int>(batch.size())) {
    for (size_t i = 0; i < batch.size(); ++i) {
      CreateAnswer answer;
      answer.incident = std::move(*response->mutable_incidents(i));
      answers.emplace_back(std::move(batch[i].item.done), std::move(answer));
    }
    batch.clear();
  } else if (response.ok()) {
    absl::Status wrong = absl::InternalError(absl::StrCat(
        "BatchCreateIncidents answered ", response->incidents_size(),
        " incidents to ", batch.size(), " requests"));
    for (Queue::Entry& e : batch) {
      answers.emplace_back(std::move(e.item.done), CreateAnswer{wrong, {}});
    }
    batch.clear();
  } else {
    int named = NamedRequest(response.status().message());
    if (named >= 0 && named < static_cast<int>(batch.size())) {
      answers.emplace_back(std::move(batch[named].item.done),
                           CreateAnswer{OwnError(response.status()), {}});
      batch.erase(batch.begin() + named);
    } else if (batch.size() == 1) {
      answers.emplace_back(std::move(batch[0].item.done),
                           CreateAnswer{response.status(), {}});
      batch.clear();
    } else {
      for (Queue::Entry& e : batch) e.alone = true;
    }
  }
  queue_.Finished(keys, std::move(batch));
  for (auto& [done, answer] : answers) done(std::move(answer));
}

}  // namespace atlas::atlasctl::veris
