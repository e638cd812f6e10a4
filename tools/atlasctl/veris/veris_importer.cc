#include "tools/atlasctl/veris/veris_importer.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/api/aip/digest.h"
#include "tools/atlasctl/veris/import_progress.h"
#include "tools/atlasctl/veris/incident_updater.h"
#include "tools/atlasctl/veris/organization_catalog.h"
#include "tools/atlasctl/veris/source_writer.h"
#include "tools/atlasctl/veris/veris_mapper.h"
#include "tools/atlasctl/veris/veris_record_reader.h"
#include "tools/atlasctl/veris/victim_resolver.h"

namespace atlas::atlasctl::veris {
namespace {

std::string RefusalLine(absl::string_view locator, absl::string_view path,
                        absl::string_view reason) {
  return absl::StrCat(locator, ": ", path.empty() ? "$" : path, ": ", reason);
}

// The first violation, with how many more there are.
std::string ViolationReason(const std::vector<::atlas::veris::Violation>& all) {
  std::string reason = all.front().reason;
  if (all.size() > 1) {
    absl::StrAppend(&reason, " (and ", all.size() - 1, " more)");
  }
  return reason;
}

// Incident ids read in this run: a second record with the same id is the
// same record read twice (unchanged) or a conflict (refused).
class SeenIncidents {
 public:
  // Empty when `id` is new (and remembers it); otherwise the locator of
  // the first record with it, and whether `content` differs from it.
  std::optional<std::pair<std::string, bool>> Check(
      const std::string& id, absl::string_view content,
      const std::string& locator) {
    std::string digest = api::Sha256(content);
    auto [it, inserted] = seen_.try_emplace(id, Seen{digest, locator});
    if (inserted) return std::nullopt;
    return std::make_pair(it->second.locator, it->second.digest != digest);
  }

 private:
  struct Seen {
    std::string digest;
    std::string locator;
  };
  absl::flat_hash_map<std::string, Seen> seen_;
};

}  // namespace

ImportTally::Counts VerisImporter::Run(std::ostream& err) {
  RpcRunner catalog_calls(contexts_, options_.catalog_calls);
  RpcRunner incident_calls(contexts_, options_.incident_calls);
  BatchingOrganizationCatalog catalog(catalog_, catalog_calls,
                                      options_.organization_batches);
  VictimResolver resolver(catalog);
  IncidentBatchWriter writer(incidents_, incident_calls, options_.batches);
  IncidentUpdater updater(incidents_, incident_calls, options_.update);
  SourceWriter sources(incidents_, incident_calls);
  ImportTally tally;
  ImportPipeline::Options pipeline_options;
  pipeline_options.run_start = options_.clock->Now();
  pipeline_options.max_records_in_flight = options_.max_records_in_flight;
  ImportPipeline pipeline(resolver, writer, updater, sources, tally,
                          pipeline_options);

  VerisRecordReader::Options reader_options;
  reader_options.max_record_bytes = options_.max_record_bytes;
  reader_options.standard_input = options_.standard_input;
  VerisRecordReader reader(options_.paths, reader_options);
  VerisMapper mapper(countries_);
  ImportProgress progress(*options_.clock, options_.progress_interval, err);
  SeenIncidents seen;
  uint64_t sequence = 0;
  auto tick = [&] {
    progress.Tick(static_cast<int64_t>(sequence), tally.counts(),
                  reader.bytes_read(), reader.total_bytes());
  };

  while (auto item = reader.Next()) {
    ++sequence;
    if (auto* refusal = std::get_if<Refusal>(&*item)) {
      tally.Add(sequence, ImportTally::Outcome::kRefused,
                RefusalLine(refusal->locator, refusal->path, refusal->reason));
      tick();
      continue;
    }
    ReadRecord& read = std::get<ReadRecord>(*item);
    std::vector<::atlas::veris::Violation> violations =
        schema_.Validate(read.record);
    if (!violations.empty()) {
      tally.Add(sequence, ImportTally::Outcome::kRefused,
                RefusalLine(read.locator, violations.front().path,
                            ViolationReason(violations)));
      tick();
      continue;
    }
    absl::StatusOr<MappedRecord> mapped = mapper.Map(read.record, read.content);
    if (!mapped.ok()) {
      // The mapper words its errors "PATH: reason".
      absl::string_view message = mapped.status().message();
      size_t colon = message.find(": ");
      absl::string_view path =
          colon == absl::string_view::npos ? "$" : message.substr(0, colon);
      absl::string_view reason = colon == absl::string_view::npos
                                     ? message
                                     : message.substr(colon + 2);
      tally.Add(sequence, ImportTally::Outcome::kRefused,
                RefusalLine(read.locator, path, reason));
      tick();
      continue;
    }
    if (auto first = seen.Check(mapped->request.incident_id(), read.content,
                                read.locator)) {
      if (first->second) {
        tally.Add(
            sequence, ImportTally::Outcome::kRefused,
            RefusalLine(read.locator, "incident_id",
                        absl::StrCat("also the incident_id of ", first->first,
                                     ", a different record; one run "
                                     "imports one version of an "
                                     "incident")));
      } else {
        tally.Add(sequence, ImportTally::Outcome::kUnchanged);
      }
      tick();
      continue;
    }
    // The parsed record is no longer needed; free it before queueing.
    read.record = Json();
    pipeline.Submit(sequence, std::move(read.locator), *std::move(mapped),
                    tick);
    tick();
  }
  pipeline.WaitIdle(tick);
  catalog_calls.Drain();
  incident_calls.Drain();

  for (const std::string& line : tally.Lines()) err << line << "\n";
  ImportTally::Counts counts = tally.counts();
  err << ImportTally::SummaryLine(counts) << "\n" << std::flush;
  return counts;
}

}  // namespace atlas::atlasctl::veris
