#include "tools/atlasctl/veris/batching_organization_catalog.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tools/atlasctl/veris/batch_errors.h"

namespace atlas::atlasctl::veris {
namespace {

namespace catalog = ::atlas::catalog::v1;

template <typename Queue>
typename Queue::Options QueueOptions(
    const BatchingOrganizationCatalog::Options& options) {
  typename Queue::Options out;
  out.max_count = options.max_count;
  out.max_in_flight = options.max_in_flight;
  out.linger = options.linger;
  return out;
}

// Bytes a request adds to a batch: its own plus the field's tag and length.
template <typename Message>
size_t WireBytes(const Message& m) {
  return m.ByteSizeLong() + 8;
}

bool IsEmpty(const catalog::ResolveOrganizationResponse& r) {
  return !r.has_organization() && r.candidates_size() == 0;
}

}  // namespace

BatchingOrganizationCatalog::BatchingOrganizationCatalog(
    catalog::CatalogService::StubInterface& stub, RpcRunner& runner,
    Options options)
    : stub_(stub),
      runner_(runner),
      resolves_(runner, QueueOptions<ResolveQueue>(options),
                [this](std::vector<ResolveQueue::Entry> batch) {
                  SendResolves(std::move(batch));
                }),
      creates_(runner, QueueOptions<CreateQueue>(options),
               [this](std::vector<CreateQueue::Entry> batch) {
                 SendCreates(std::move(batch));
               }) {}

void BatchingOrganizationCatalog::Resolve(
    catalog::ResolveOrganizationRequest request,
    Done<catalog::ResolveOrganizationResponse> done) {
  const size_t bytes = WireBytes(request);
  resolves_.Add(PendingResolve{std::move(request), std::move(done)}, bytes);
}

void BatchingOrganizationCatalog::Create(
    catalog::CreateOrganizationRequest request,
    Done<catalog::Organization> done) {
  const size_t bytes = WireBytes(request);
  std::string key = request.organization_id();
  creates_.Add(PendingCreate{std::move(request), std::move(done)}, bytes,
               std::move(key));
}

void BatchingOrganizationCatalog::SendResolves(
    std::vector<ResolveQueue::Entry> batch) {
  catalog::BatchResolveOrganizationsRequest request;
  for (const ResolveQueue::Entry& e : batch)
    *request.add_requests() = e.item.request;
  auto* stub = &stub_;
  auto entries =
      std::make_shared<std::vector<ResolveQueue::Entry>>(std::move(batch));
  runner_.Call<catalog::BatchResolveOrganizationsRequest,
               catalog::BatchResolveOrganizationsResponse>(
      [stub](::grpc::ClientContext* context,
             const catalog::BatchResolveOrganizationsRequest* req,
             catalog::BatchResolveOrganizationsResponse* resp,
             std::function<void(::grpc::Status)> on_done) {
        stub->async()->BatchResolveOrganizations(context, req, resp,
                                                 std::move(on_done));
      },
      std::move(request),
      [this, entries](
          absl::StatusOr<catalog::BatchResolveOrganizationsResponse> answer) {
        std::vector<ResolveQueue::Entry>& batch = *entries;
        const std::vector<std::string> keys = ResolveQueue::KeysOf(batch);
        std::vector<
            std::pair<Done<catalog::ResolveOrganizationResponse>,
                      absl::StatusOr<catalog::ResolveOrganizationResponse>>>
            answers;
        if (answer.ok() &&
            answer->responses_size() == static_cast<int>(batch.size())) {
          for (size_t i = 0; i < batch.size(); ++i) {
            catalog::ResolveOrganizationResponse& r =
                *answer->mutable_responses(static_cast<int>(i));
            if (IsEmpty(r)) {
              answers.emplace_back(
                  std::move(batch[i].item.done),
                  absl::NotFoundError(absl::StrCat("no organization matches")));
            } else {
              answers.emplace_back(std::move(batch[i].item.done), std::move(r));
            }
          }
          batch.clear();
        } else {
          absl::Status failure =
              answer.ok() ? absl::InternalError(absl::StrCat(
                                "BatchResolveOrganizations answered ",
                                answer->responses_size(), " responses to ",
                                batch.size(), " requests"))
                          : answer.status();
          const int named =
              answer.ok() ? -1 : NamedRequest(answer.status().message());
          if (named >= 0 && named < static_cast<int>(batch.size())) {
            answers.emplace_back(std::move(batch[named].item.done),
                                 OwnError(failure));
            batch.erase(batch.begin() + named);
          } else {
            for (ResolveQueue::Entry& e : batch)
              answers.emplace_back(std::move(e.item.done), failure);
            batch.clear();
          }
        }
        resolves_.Finished(keys, std::move(batch));
        for (auto& [done, result] : answers) done(std::move(result));
      });
}

void BatchingOrganizationCatalog::SendCreates(
    std::vector<CreateQueue::Entry> batch) {
  catalog::BatchCreateOrganizationsRequest request;
  for (const CreateQueue::Entry& e : batch)
    *request.add_requests() = e.item.request;
  auto* stub = &stub_;
  auto entries =
      std::make_shared<std::vector<CreateQueue::Entry>>(std::move(batch));
  runner_.Call<catalog::BatchCreateOrganizationsRequest,
               catalog::BatchCreateOrganizationsResponse>(
      [stub](::grpc::ClientContext* context,
             const catalog::BatchCreateOrganizationsRequest* req,
             catalog::BatchCreateOrganizationsResponse* resp,
             std::function<void(::grpc::Status)> on_done) {
        stub->async()->BatchCreateOrganizations(context, req, resp,
                                                std::move(on_done));
      },
      std::move(request),
      [this, entries](
          absl::StatusOr<catalog::BatchCreateOrganizationsResponse> answer) {
        std::vector<CreateQueue::Entry>& batch = *entries;
        const std::vector<std::string> keys = CreateQueue::KeysOf(batch);
        std::vector<std::pair<Done<catalog::Organization>,
                              absl::StatusOr<catalog::Organization>>>
            answers;
        if (answer.ok() &&
            answer->organizations_size() == static_cast<int>(batch.size())) {
          for (size_t i = 0; i < batch.size(); ++i) {
            answers.emplace_back(
                std::move(batch[i].item.done),
                std::move(*answer->mutable_organizations(static_cast<int>(i))));
          }
          batch.clear();
        } else if (answer.ok()) {
          absl::Status wrong = absl::InternalError(
              absl::StrCat("BatchCreateOrganizations answered ",
                           answer->organizations_size(), " organizations to ",
                           batch.size(), " requests"));
          for (CreateQueue::Entry& e : batch)
            answers.emplace_back(std::move(e.item.done), wrong);
          batch.clear();
        } else {
          const int named = NamedRequest(answer.status().message());
          if (named >= 0 && named < static_cast<int>(batch.size())) {
            answers.emplace_back(std::move(batch[named].item.done),
                                 OwnError(answer.status()));
            batch.erase(batch.begin() + named);
          } else if (batch.size() == 1) {
            answers.emplace_back(std::move(batch[0].item.done),
                                 answer.status());
            batch.clear();
          } else {
            for (CreateQueue::Entry& e : batch) e.alone = true;
          }
        }
        creates_.Finished(keys, std::move(batch));
        for (auto& [done, result] : answers) done(std::move(result));
      });
}

}  // namespace atlas::atlasctl::veris
