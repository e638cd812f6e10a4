#include "tools/atlasctl/veris/incident_batch_writer.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace atlas::atlasctl::veris {
namespace {

namespace inc = ::atlas::incident::v1;

constexpr absl::string_view kRequestsPrefix = "requests[";

// Bytes a request adds to a batch: its own plus the field's tag and length.
size_t WireBytes(const inc::CreateIncidentRequest& request) {
  return request.ByteSizeLong() + 8;
}

// `status` without the "requests[i]." that names the request in a batch.
absl::Status OwnError(const absl::Status& status) {
  absl::string_view message = status.message();
  size_t close = message.find(']');
  if (!absl::StartsWith(message, kRequestsPrefix) ||
      close == absl::string_view::npos) {
    return status;
  }
  message.remove_prefix(close + 1);
  absl::ConsumePrefix(&message, ".");
  message = absl::StripLeadingAsciiWhitespace(message);
  return absl::Status(status.code(), message);
}

}  // namespace

int NamedRequest(absl::string_view message) {
  if (!absl::ConsumePrefix(&message, kRequestsPrefix)) return -1;
  size_t close = message.find(']');
  int index;
  if (close == absl::string_view::npos ||
      !absl::SimpleAtoi(message.substr(0, close), &index) || index < 0) {
    return -1;
  }
  return index;
}

IncidentBatchWriter::IncidentBatchWriter(
    inc::IncidentService::StubInterface& stub, RpcRunner& runner,
    Options options)
    : stub_(stub), runner_(runner), options_(options) {}

void IncidentBatchWriter::Add(inc::CreateIncidentRequest request,
                              std::function<void(CreateAnswer)> done) {
  Write write;
  write.bytes = WireBytes(request);
  write.request = std::move(request);
  write.done = std::move(done);
  write.queued = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(write));
  }
  Dispatch();
}

void IncidentBatchWriter::Dispatch() {
  std::vector<std::vector<Write>> batches;
  std::optional<absl::Duration> wake;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    while (in_flight_ < options_.max_in_flight && !queue_.empty()) {
      // A batch that is not full waits for the oldest write's linger.
      size_t queued_count = 0;
      size_t queued_bytes = 0;
      bool full = queue_.front().alone;
      for (auto it = queue_.begin(); !full && it != queue_.end(); ++it) {
        queued_bytes += it->bytes;
        full = ++queued_count >= static_cast<size_t>(options_.max_count) ||
               queued_bytes >= options_.max_bytes || it->alone;
      }
      const absl::Time due = queue_.front().queued + options_.linger;
      if (!full && now < due) {
        if (!timer_armed_) {
          timer_armed_ = true;
          wake = due - now;
        }
        break;
      }
      std::vector<Write> batch;
      size_t bytes = 0;
      if (queue_.front().alone) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      while (batch.empty() ||
             (!queue_.empty() && !queue_.front().alone &&
              !batch.front().alone &&
              batch.size() < static_cast<size_t>(options_.max_count) &&
              bytes + queue_.front().bytes <= options_.max_bytes)) {
        bytes += queue_.front().bytes;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      ++in_flight_;
      ++counts_.batches;
      counts_.requests += static_cast<int64_t>(batch.size());
      batches.push_back(std::move(batch));
    }
  }
  if (wake.has_value()) {
    runner_.After(*wake, [this] {
      {
        absl::MutexLock lock(&mu_);
        timer_armed_ = false;
      }
      Dispatch();
    });
  }
  for (std::vector<Write>& batch : batches) Send(std::move(batch));
}

void IncidentBatchWriter::Send(std::vector<Write> batch) {
  inc::BatchCreateIncidentsRequest request;
  request.mutable_requests()->Reserve(static_cast<int>(batch.size()));
  for (const Write& write : batch) *request.add_requests() = write.request;
  auto* stub = &stub_;
  auto writes = std::make_shared<std::vector<Write>>(std::move(batch));
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
      [this, writes](absl::StatusOr<inc::BatchCreateIncidentsResponse> answer) {
        Answer(std::move(*writes), std::move(answer));
      });
}

void IncidentBatchWriter::Answer(
    std::vector<Write> batch,
    absl::StatusOr<inc::BatchCreateIncidentsResponse> response) {
  // Answers are given after the lock is released.
  std::vector<std::pair<std::function<void(CreateAnswer)>, CreateAnswer>>
      answers;
  if (response.ok() &&
      response->incidents_size() == static_cast<int>(batch.size())) {
    for (size_t i = 0; i < batch.size(); ++i) {
      CreateAnswer answer;
      answer.incident = std::move(*response->mutable_incidents(i));
      answers.emplace_back(std::move(batch[i].done), std::move(answer));
    }
    batch.clear();
  } else if (response.ok()) {
    absl::Status wrong = absl::InternalError(absl::StrCat(
        "BatchCreateIncidents answered ", response->incidents_size(),
        " incidents to ", batch.size(), " requests"));
    for (Write& write : batch) {
      answers.emplace_back(std::move(write.done), CreateAnswer{wrong, {}});
    }
    batch.clear();
  } else {
    int named = NamedRequest(response.status().message());
    if (named >= 0 && named < static_cast<int>(batch.size())) {
      answers.emplace_back(std::move(batch[named].done),
                           CreateAnswer{OwnError(response.status()), {}});
      batch.erase(batch.begin() + named);
    } else if (batch.size() == 1) {
      answers.emplace_back(std::move(batch[0].done),
                           CreateAnswer{response.status(), {}});
      batch.clear();
    } else {
      for (Write& write : batch) write.alone = true;
    }
  }
  {
    absl::MutexLock lock(&mu_);
    --in_flight_;
    if (!batch.empty()) ++counts_.resent;
    // What is left of the batch goes first.
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      queue_.push_front(std::move(*it));
    }
  }
  for (auto& [done, answer] : answers) done(std::move(answer));
  Dispatch();
}

IncidentBatchWriter::Counts IncidentBatchWriter::counts() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

}  // namespace atlas::atlasctl::veris
