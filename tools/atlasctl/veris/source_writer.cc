#include "tools/atlasctl/veris/source_writer.h"

#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/api/aip/digest.h"
#include "tools/atlasctl/veris/reference_urls.h"

namespace atlas::atlasctl::veris {
namespace {

namespace inc = ::atlas::incident::v1;

constexpr absl::string_view kSourceIdPrefix = "ref-";

// Counts calls down to the one `done`, keeping the first failure.
class Join {
 public:
  Join(int calls, std::function<void(absl::Status)> done)
      : pending_(calls), done_(std::move(done)) {}

  void One(absl::Status status) {
    std::function<void(absl::Status)> done;
    absl::Status first;
    {
      absl::MutexLock lock(&mu_);
      if (!status.ok() && first_.ok()) first_ = std::move(status);
      if (--pending_ > 0) return;
      done = std::move(done_);
      first = first_;
    }
    done(std::move(first));
  }

 private:
  absl::Mutex mu_;
  int pending_ ABSL_GUARDED_BY(mu_);
  absl::Status first_ ABSL_GUARDED_BY(mu_);
  std::function<void(absl::Status)> done_ ABSL_GUARDED_BY(mu_);
};

absl::Status SourceFailure(absl::string_view url, const absl::Status& status) {
  return absl::Status(
      status.code(), absl::StrCat("reference: source ", url, ": ",
                                  absl::StatusCodeToString(status.code()), ": ",
                                  status.message()));
}

}  // namespace

struct SourceWriter::Listing {
  std::string incident;
  std::vector<std::string> urls;
  std::set<std::string> existing;
  std::string page_token;
  std::function<void(absl::Status)> done;
};

std::string SourceWriter::SourceId(absl::string_view url) {
  return ImportedSourceId(url);
}

void SourceWriter::Create(const std::string& incident,
                          std::vector<std::string> urls,
                          std::function<void(absl::Status)> done) {
  if (urls.empty()) {
    done(absl::OkStatus());
    return;
  }
  auto join =
      std::make_shared<Join>(static_cast<int>(urls.size()), std::move(done));
  auto* stub = &stub_;
  for (std::string& url : urls) {
    inc::CreateSourceRequest request;
    request.set_parent(incident);
    request.set_source_id(SourceId(url));
    request.mutable_source()->set_url(url);
    runner_.Call<inc::CreateSourceRequest, inc::Source>(
        [stub](::grpc::ClientContext* context,
               const inc::CreateSourceRequest* req, inc::Source* resp,
               std::function<void(::grpc::Status)> on_done) {
          stub->async()->CreateSource(context, req, resp, std::move(on_done));
        },
        std::move(request),
        [join, url = std::move(url)](absl::StatusOr<inc::Source> created) {
          if (created.ok() || absl::IsAlreadyExists(created.status())) {
            join->One(absl::OkStatus());
          } else {
            join->One(SourceFailure(url, created.status()));
          }
        });
  }
}

void SourceWriter::Reconcile(const std::string& incident,
                             std::vector<std::string> urls,
                             std::function<void(absl::Status)> done) {
  auto listing = std::make_shared<Listing>();
  listing->incident = incident;
  listing->urls = std::move(urls);
  listing->done = std::move(done);
  ListPage(std::move(listing));
}

void SourceWriter::ListPage(std::shared_ptr<Listing> listing) {
  inc::ListSourcesRequest request;
  request.set_parent(listing->incident);
  request.set_page_size(1000);
  request.set_page_token(listing->page_token);
  auto* stub = &stub_;
  runner_.Call<inc::ListSourcesRequest, inc::ListSourcesResponse>(
      [stub](::grpc::ClientContext* context, const inc::ListSourcesRequest* req,
             inc::ListSourcesResponse* resp,
             std::function<void(::grpc::Status)> on_done) {
        stub->async()->ListSources(context, req, resp, std::move(on_done));
      },
      std::move(request),
      [this, listing](absl::StatusOr<inc::ListSourcesResponse> page) {
        if (!page.ok()) {
          listing->done(absl::Status(
              page.status().code(),
              absl::StrCat("reference: listing the sources of ",
                           listing->incident, ": ",
                           absl::StatusCodeToString(page.status().code()), ": ",
                           page.status().message())));
          return;
        }
        for (const inc::Source& source : page->sources()) {
          absl::string_view id = source.name();
          id = id.substr(id.rfind('/') + 1);
          if (absl::StartsWith(id, kSourceIdPrefix)) {
            listing->existing.insert(std::string(id));
          }
        }
        listing->page_token = page->next_page_token();
        if (listing->page_token.empty()) {
          Finish(listing);
        } else {
          ListPage(listing);
        }
      });
}

void SourceWriter::Finish(std::shared_ptr<Listing> listing) {
  std::set<std::string> wanted;
  std::vector<std::string> missing;
  for (const std::string& url : listing->urls) {
    std::string id = SourceId(url);
    if (listing->existing.count(id) == 0) missing.push_back(url);
    wanted.insert(std::move(id));
  }
  std::vector<std::string> extra;
  for (const std::string& id : listing->existing) {
    if (wanted.count(id) == 0) extra.push_back(id);
  }
  auto join = std::make_shared<Join>(static_cast<int>(extra.size()) + 1,
                                     std::move(listing->done));
  auto* stub = &stub_;
  for (const std::string& id : extra) {
    inc::DeleteSourceRequest request;
    request.set_name(absl::StrCat(listing->incident, "/sources/", id));
    runner_.Call<inc::DeleteSourceRequest, google::protobuf::Empty>(
        [stub](::grpc::ClientContext* context,
               const inc::DeleteSourceRequest* req,
               google::protobuf::Empty* resp,
               std::function<void(::grpc::Status)> on_done) {
          stub->async()->DeleteSource(context, req, resp, std::move(on_done));
        },
        std::move(request),
        [join, id](absl::StatusOr<google::protobuf::Empty> deleted) {
          const absl::Status& s = deleted.status();
          // Cited by an event (kept), or gone already.
          if (s.ok() || absl::IsFailedPrecondition(s) || absl::IsNotFound(s)) {
            join->One(absl::OkStatus());
          } else {
            join->One(SourceFailure(id, s));
          }
        });
  }
  Create(listing->incident, std::move(missing),
         [join](absl::Status created) { join->One(std::move(created)); });
}

}  // namespace atlas::atlasctl::veris
