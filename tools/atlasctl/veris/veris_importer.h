// `atlasctl import --format=veris PATH...`: reads VERIS records
// (VerisRecordReader), judges each against the VERIS schema (VerisSchema),
// maps it (VerisMapper) and sends it through the ImportPipeline; then
// prints one line per refused or changed record, in input order, and the
// summary line `imported N, unchanged N, updated N, refused N`.
//
// Per record, nothing or everything: a record refused before it reaches a
// server (unreadable, invalid VERIS, unmappable) stores nothing; one the
// servers refuse stores no incident (batches are atomic; the failing
// request is taken out and the rest sent again). Only the victim
// organisations a refused record named may remain, as they are shared.
// A record whose incident_id repeats one already read in the same run is
// unchanged when it is the same text, refused otherwise.
//
// Refusal lines are `LOCATOR: JSON-PATH: reason` (LOCATOR `FILE` or
// `FILE[#i]`, JSON-PATH `$` for the whole record). Progress goes to the
// same stream at most once a second.
//
// Thread safety: one Run at a time.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_IMPORTER_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_IMPORTER_H_

#include <iostream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/veris/veris_schema.h"
#include "tools/atlasctl/veris/batching_organization_catalog.h"
#include "tools/atlasctl/veris/import_pipeline.h"
#include "tools/atlasctl/veris/import_tally.h"
#include "tools/atlasctl/veris/incident_batch_writer.h"
#include "tools/atlasctl/veris/rpc_runner.h"

namespace atlas::atlasctl::veris {

class VerisImporter {
 public:
  struct Options {
    std::vector<std::string> paths;
    // --update: rewrite incidents stored from another version of a record.
    bool update = false;
    // What `-` reads (not owned).
    std::istream* standard_input = &std::cin;
    size_t max_record_bytes = 8 * 1024 * 1024;
    // Run start (imported vs unchanged) and progress; not owned.
    api::Clock* clock = &api::RealClock::Get();
    absl::Duration progress_interval = absl::Seconds(1);
    RpcRunner::Options catalog_calls;
    RpcRunner::Options incident_calls;
    IncidentBatchWriter::Options batches;
    BatchingOrganizationCatalog::Options organization_batches;
    size_t max_records_in_flight = 5000;
  };

  // Everything given is not owned and must outlive the importer.
  VerisImporter(const ::atlas::veris::VerisSchema& schema,
                const api::CountryList& countries,
                catalog::v1::CatalogService::StubInterface& catalog,
                incident::v1::IncidentService::StubInterface& incidents,
                ContextFactory contexts, Options options)
      : schema_(schema),
        countries_(countries),
        catalog_(catalog),
        incidents_(incidents),
        contexts_(std::move(contexts)),
        options_(std::move(options)) {}

  // Imports every record; writes progress, the record lines and the
  // summary line to `err`. The counts say what became of the records.
  ImportTally::Counts Run(std::ostream& err);

 private:
  const ::atlas::veris::VerisSchema& schema_;
  const api::CountryList& countries_;
  catalog::v1::CatalogService::StubInterface& catalog_;
  incident::v1::IncidentService::StubInterface& incidents_;
  ContextFactory contexts_;
  const Options options_;
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_IMPORTER_H_
