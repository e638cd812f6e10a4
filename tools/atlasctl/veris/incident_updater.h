// What becomes of a record whose incident is already stored: unchanged
// when the stored incident was made from the same record (its
// original_record content is the record's), changed otherwise; with
// --update a changed one is rewritten through UpdateIncident, with the
// etag of the version read, for the fields the importer maps
// (UpdatePaths). Fields it does not map (techniques, impacts, end date,
// investigation status, ...) and events keep what analysts gave them.
//
// Thread safety: calls may come from any thread; `done` runs once, on a
// gRPC thread or the caller's.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_INCIDENT_UPDATER_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_INCIDENT_UPDATER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "tools/atlasctl/veris/rpc_runner.h"

namespace atlas::atlasctl::veris {

class IncidentUpdater {
 public:
  enum class Verdict {
    // The stored incident came from this very record.
    kUnchanged,
    // It came from another version of the record, left as it is.
    kChanged,
    // It came from another version and now holds this one.
    kUpdated,
    // The record could not be checked or applied: `status` says why.
    kFailed,
  };
  struct Result {
    Verdict verdict = Verdict::kFailed;
    absl::Status status;
    // The incident as stored after the decision (kUnchanged, kChanged,
    // kUpdated).
    incident::v1::Incident incident;
  };

  // `stub` and `runner` are not owned and must outlive the updater.
  // `apply_changes`: --update.
  IncidentUpdater(incident::v1::IncidentService::StubInterface& stub,
                  RpcRunner& runner, bool apply_changes)
      : stub_(stub), runner_(runner), apply_changes_(apply_changes) {}

  // For a create that answered ALREADY_EXISTS (`conflict`): reads
  // `wanted`'s incident (wanted.name() set) and decides. When it does not
  // exist, the id was not what collided (another incident holds the VERIS
  // reference): kFailed with `conflict`.
  void Check(std::shared_ptr<const incident::v1::Incident> wanted,
             absl::Status conflict, std::function<void(Result)> done);

  // Decides on `stored`, read or returned by a create.
  void Decide(std::shared_ptr<const incident::v1::Incident> wanted,
              incident::v1::Incident stored, std::function<void(Result)> done);

  // The fields the importer maps, and so the update mask of --update.
  static const std::vector<std::string>& UpdatePaths();

 private:
  void Read(std::shared_ptr<const incident::v1::Incident> wanted,
            absl::Status if_missing, int attempts_left,
            std::function<void(Result)> done);
  void Apply(std::shared_ptr<const incident::v1::Incident> wanted,
             const incident::v1::Incident& stored, int attempts_left,
             std::function<void(Result)> done);

  incident::v1::IncidentService::StubInterface& stub_;
  RpcRunner& runner_;
  const bool apply_changes_;
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_INCIDENT_UPDATER_H_
