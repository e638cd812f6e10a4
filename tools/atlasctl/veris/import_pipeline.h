// The way of one mapped record to the servers, many records at a time:
// its victims resolved (VictimResolver), its incident written with its
// sources in a batch (IncidentBatchWriter), the answer judged (new,
// replayed, or already stored: IncidentUpdater), and its outcome counted
// (ImportTally).
//
// Imported vs unchanged: a create that succeeds returns the incident the
// server holds. If its original record is not the record's, the incident
// was stored from another version (IncidentUpdater decides). Otherwise
// it is the record's own incident: imported when it was created during
// this run (create_time at or after `run_start`), unchanged when it
// predates the run (the request_id replayed an earlier run's create). So
// a batch retried after a lost answer still counts as imported. The clock
// is the client's: with servers whose clocks run behind it, incidents
// created in the first moments of a run could count as unchanged.
//
// An unchanged incident that holds fewer sources than its URLs (stored by
// an older importer that created sources after the incident, in a run
// stopped in between) gets them created (SourceWriter); --update
// reconciles them.
//
// Thread safety: Submit and WaitIdle are called by one thread (the
// driver); everything else runs on gRPC threads.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_IMPORT_PIPELINE_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_IMPORT_PIPELINE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tools/atlasctl/veris/import_tally.h"
#include "tools/atlasctl/veris/incident_batch_writer.h"
#include "tools/atlasctl/veris/incident_updater.h"
#include "tools/atlasctl/veris/source_writer.h"
#include "tools/atlasctl/veris/veris_mapper.h"
#include "tools/atlasctl/veris/victim_resolver.h"

namespace atlas::atlasctl::veris {

class ImportPipeline {
 public:
  struct Options {
    absl::Time run_start;
    // Records submitted and not yet done; Submit waits beyond this.
    size_t max_records_in_flight = 5000;
    // How often a waiting Submit or WaitIdle calls its `tick`.
    absl::Duration tick_interval = absl::Milliseconds(250);
  };

  // Collaborators are not owned and must outlive the pipeline.
  ImportPipeline(VictimResolver& resolver, IncidentBatchWriter& writer,
                 IncidentUpdater& updater, SourceWriter& sources,
                 ImportTally& tally, Options options)
      : resolver_(resolver),
        writer_(writer),
        updater_(updater),
        sources_(sources),
        tally_(tally),
        options_(options) {}

  // Starts the record numbered `sequence` found at `locator`. Waits while
  // max_records_in_flight records are open, calling `tick` now and then.
  void Submit(uint64_t sequence, std::string locator, MappedRecord record,
              const std::function<void()>& tick);

  // Waits until every submitted record is done, calling `tick` now and
  // then.
  void WaitIdle(const std::function<void()>& tick);

  // The request id of a finished create request whose request_id is not
  // set yet: "vi-" + 40 hex of the SHA-256 of its deterministic
  // serialisation, so the same record (with the same victims) always
  // sends the same request, and a changed one a new one.
  static std::string RequestIdFor(
      const incident::v1::CreateIncidentRequest& request);

  // The VERIS path that an incident-service error about `message`'s field
  // most likely comes from ("incident.start_date: ..." ->
  // "timeline.incident"); "$" when none is known.
  static std::string VerisPathOf(absl::string_view message);

 private:
  struct Record;

  void Write(std::shared_ptr<Record> record);
  void OnCreated(std::shared_ptr<Record> record, CreateAnswer answer);
  void OnDecided(std::shared_ptr<Record> record,
                 IncidentUpdater::Result result);
  // Stored incident that is the record's own: imported or unchanged.
  void OnOwn(std::shared_ptr<Record> record, ImportTally::Outcome outcome,
             const incident::v1::Incident& stored);
  void Refuse(const std::shared_ptr<Record>& record, absl::string_view path,
              absl::string_view reason);
  void Finish(const std::shared_ptr<Record>& record,
              ImportTally::Outcome outcome, std::string line);

  VictimResolver& resolver_;
  IncidentBatchWriter& writer_;
  IncidentUpdater& updater_;
  SourceWriter& sources_;
  ImportTally& tally_;
  const Options options_;
  absl::Mutex mu_;
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_IMPORT_PIPELINE_H_
