#include "tools/atlasctl/veris/incident_updater.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace atlas::atlasctl::veris {
namespace {

namespace inc = ::atlas::incident::v1;

// Reads and updates tried when the incident changes between the two
// (ABORTED: stale etag).
constexpr int kAttempts = 3;

absl::Status Failure(const absl::Status& status, absl::string_view doing) {
  return absl::Status(
      status.code(),
      absl::StrCat(doing, ": ", absl::StatusCodeToString(status.code()), ": ",
                   status.message()));
}

}  // namespace

const std::vector<std::string>& IncidentUpdater::UpdatePaths() {
  static const auto* paths = new std::vector<std::string>{
      "title",
      "victims",
      "countries",
      "start_date",
      "disclosed_date",
      "summary",
      "description",
      "determination",
      "incident_types",
      "cia_posture",
      "motives",
      "threat_actors",
      "external_references",
      "victim_unknown",
      "confidence",
      "targeting",
      "actions",
      "data_exposure",
      "assets",
      "discovery_methods",
      "durations",
      "losses",
      "original_record",
  };
  return *paths;
}

void IncidentUpdater::Check(std::shared_ptr<const inc::Incident> wanted,
                            absl::Status conflict,
                            std::function<void(Result)> done) {
  Read(std::move(wanted), std::move(conflict), kAttempts, std::move(done));
}

void IncidentUpdater::Decide(std::shared_ptr<const inc::Incident> wanted,
                             inc::Incident stored,
                             std::function<void(Result)> done) {
  if (stored.original_record().content() ==
      wanted->original_record().content()) {
    done({Verdict::kUnchanged, absl::OkStatus(), std::move(stored)});
    return;
  }
  if (!apply_changes_) {
    done({Verdict::kChanged, absl::OkStatus(), std::move(stored)});
    return;
  }
  Apply(std::move(wanted), stored, kAttempts, std::move(done));
}

void IncidentUpdater::Read(std::shared_ptr<const inc::Incident> wanted,
                           absl::Status if_missing, int attempts_left,
                           std::function<void(Result)> done) {
  inc::GetIncidentRequest request;
  request.set_name(wanted->name());
  auto* stub = &stub_;
  runner_.Call<inc::GetIncidentRequest, inc::Incident>(
      [stub](::grpc::ClientContext* context, const inc::GetIncidentRequest* req,
             inc::Incident* resp, std::function<void(::grpc::Status)> on_done) {
        stub->async()->GetIncident(context, req, resp, std::move(on_done));
      },
      std::move(request),
      [this, wanted, if_missing, attempts_left,
       done = std::move(done)](absl::StatusOr<inc::Incident> stored) mutable {
        if (absl::IsNotFound(stored.status())) {
          done({Verdict::kFailed, if_missing, {}});
          return;
        }
        if (!stored.ok()) {
          done({Verdict::kFailed,
                Failure(stored.status(),
                        absl::StrCat("reading ", wanted->name())),
                {}});
          return;
        }
        if (stored->original_record().content() ==
                wanted->original_record().content() ||
            !apply_changes_) {
          Decide(wanted, *std::move(stored), std::move(done));
          return;
        }
        Apply(wanted, *stored, attempts_left, std::move(done));
      });
}

void IncidentUpdater::Apply(std::shared_ptr<const inc::Incident> wanted,
                            const inc::Incident& stored, int attempts_left,
                            std::function<void(Result)> done) {
  inc::UpdateIncidentRequest request;
  *request.mutable_incident() = *wanted;
  request.mutable_incident()->set_name(stored.name());
  request.mutable_incident()->set_etag(stored.etag());
  for (const std::string& path : UpdatePaths()) {
    request.mutable_update_mask()->add_paths(path);
  }
  auto* stub = &stub_;
  runner_.Call<inc::UpdateIncidentRequest, inc::Incident>(
      [stub](::grpc::ClientContext* context,
             const inc::UpdateIncidentRequest* req, inc::Incident* resp,
             std::function<void(::grpc::Status)> on_done) {
        stub->async()->UpdateIncident(context, req, resp, std::move(on_done));
      },
      std::move(request),
      [this, wanted, attempts_left,
       done = std::move(done)](absl::StatusOr<inc::Incident> updated) mutable {
        if (updated.ok()) {
          done({Verdict::kUpdated, absl::OkStatus(), *std::move(updated)});
          return;
        }
        if (absl::IsAborted(updated.status()) && attempts_left > 1) {
          // Changed since it was read: read it again and decide again.
          Read(wanted,
               absl::NotFoundError(
                   absl::StrCat(wanted->name(), " was deleted meanwhile")),
               attempts_left - 1, std::move(done));
          return;
        }
        done({Verdict::kFailed,
              Failure(updated.status(),
                      absl::StrCat("updating ", wanted->name())),
              {}});
      });
}

}  // namespace atlas::atlasctl::veris
