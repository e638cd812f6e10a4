// The sources of an imported incident: one per URL of the VERIS
// `reference`, created after the incident (a source is a sub-resource:
// CreateSource, one call each, many in flight).
//
// Each source's id is SourceId(url), "ref-" + 16 hex of the URL's SHA-256,
// so a re-run or a retry finds the source it made (ALREADY_EXISTS counts
// as present) and reconciling after --update knows which sources are the
// importer's: analysts' sources (other ids) are never touched.
//
// Thread safety: calls may come from any thread; `done` runs once.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_SOURCE_WRITER_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_SOURCE_WRITER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "tools/atlasctl/veris/rpc_runner.h"

namespace atlas::atlasctl::veris {

class SourceWriter {
 public:
  // `stub` and `runner` are not owned and must outlive the writer.
  SourceWriter(incident::v1::IncidentService::StubInterface& stub,
               RpcRunner& runner)
      : stub_(stub), runner_(runner) {}

  // Creates a source for each of `urls` under `incident`
  // ("incidents/x"). `done` gets OK, or the first failure ("reference:
  // source <url>: CODE: message") once every call has ended.
  void Create(const std::string& incident, std::vector<std::string> urls,
              std::function<void(absl::Status)> done);

  // Makes the importer's sources of `incident` exactly `urls`: lists the
  // sources, deletes those with a SourceId that is not among `urls`,
  // creates the missing ones. A source an event cites cannot be deleted
  // (FAILED_PRECONDITION): it stays, and that is no failure.
  void Reconcile(const std::string& incident, std::vector<std::string> urls,
                 std::function<void(absl::Status)> done);

  static std::string SourceId(absl::string_view url);

 private:
  struct Listing;
  void ListPage(std::shared_ptr<Listing> listing);
  void Finish(std::shared_ptr<Listing> listing);

  incident::v1::IncidentService::StubInterface& stub_;
  RpcRunner& runner_;
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_SOURCE_WRITER_H_
