// incident-service: incidents, timelines and sources over gRPC.
//
// Flags -> IncidentServer::Options -> Start, then serve until SIGTERM or
// SIGINT, drain, close the database and exit 0 (see IncidentServer and
// common/server/service_main.h). Start-up failures are logged and exit 1.
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "common/auth/key_files.h"
#include "common/logging/log.h"
#include "common/server/service_main.h"
#include "incident-service/incident_server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052",
          "host:port to serve on (port 0 picks a free port)");
ABSL_FLAG(std::string, db_path, "./data/incidents", "RocksDB directory");
// Writers mostly wait: for the leader of their create group (one catalog
// call, one write for the group) and for the shared WAL sync. More threads
// let more concurrent creates join a group, not more CPU work (64 streams
// of CreateIncident: 32 threads ~4.6k/s, 128 threads ~5.2k/s).
ABSL_FLAG(int, write_threads, 128, "threads that run writes");
ABSL_FLAG(std::string, catalog_address, "127.0.0.1:50051",
          "gRPC target of catalog-service, e.g. dns:///catalog-headless:50051");
ABSL_FLAG(std::string, catalog_api_key_file, "",
          "file holding the raw SERVICE key presented to catalog-service");
ABSL_FLAG(absl::Duration, catalog_timeout, absl::Seconds(2),
          "deadline of each call to catalog-service");
// The changelog keeps this many newest entries; older ones are trimmed and
// a watch from before them gets FAILED_PRECONDITION (the catalog's
// follower then rebuilds from ListIncidents). See docs/reliability.md.
ABSL_FLAG(int64_t, changelog_retention_entries, 1000000,
          "newest changelog entries kept for WatchIncidentChanges (>= 1)");
ABSL_FLAG(std::string, attack_dir, "incident-service/data/attack",
          "directory of the pinned MITRE ATT&CK Enterprise data "
          "(enterprise-techniques.tsv, SOURCE.md); relative paths resolve "
          "against the working directory");

ABSL_FLAG(std::string, veris_dir, "datasets/veris",
          "directory of the VERIS enumerations (verisc-enum.json) VERIS "
          "values are checked against; relative paths resolve against the "
          "working directory");

ABSL_FLAG(std::string, search_index_dir, "",
          "directory of the full-text search index (two Xapian databases); "
          "empty: <db_path>/search-index");
ABSL_FLAG(bool, rebuild_search_index, false,
          "rebuild the search index from the database at start (searches "
          "answer UNAVAILABLE until it is done)");

int main(int argc, char** argv) {
  namespace log = atlas::log;
  atlas::server::TerminationSignalWatcher signals;  // before any thread
  atlas::server::InitServiceProcess("incident-service", argc, argv);

  auto common = atlas::server::CommonConfigFromFlags();
  if (!common.ok()) {
    log::Error("bad configuration", {{"error", common.status().ToString()}});
    return EXIT_FAILURE;
  }
  auto catalog_key =
      atlas::auth::ReadServiceKey(absl::GetFlag(FLAGS_catalog_api_key_file));
  if (!catalog_key.ok()) {
    log::Error("cannot read --catalog_api_key_file",
               {{"error", catalog_key.status().ToString()}});
    return EXIT_FAILURE;
  }
  atlas::incident::IncidentServer::Options options;
  options.serving = common->serving;
  options.serving.listen_address = absl::GetFlag(FLAGS_listen);
  options.serving.write_threads = absl::GetFlag(FLAGS_write_threads);
  options.keys = std::move(common->keys);
  options.db_path = absl::GetFlag(FLAGS_db_path);
  options.restore_from = common->restore_from;
  options.memory = common->memory;
  options.attack_dir = absl::GetFlag(FLAGS_attack_dir);
  options.veris_dir = absl::GetFlag(FLAGS_veris_dir);
  options.iso_codes_path = common->iso_codes_path;
  options.catalog_address = absl::GetFlag(FLAGS_catalog_address);
  options.catalog_timeout = absl::GetFlag(FLAGS_catalog_timeout);
  options.catalog_api_key = *catalog_key;
  options.catalog_credentials = common->peer_credentials;
  options.changelog_retention_entries =
      absl::GetFlag(FLAGS_changelog_retention_entries);
  options.search_index_dir = absl::GetFlag(FLAGS_search_index_dir);
  options.rebuild_search_index = absl::GetFlag(FLAGS_rebuild_search_index);

  auto server = atlas::incident::IncidentServer::Start(std::move(options));
  if (!server.ok()) {
    log::Error("cannot start", {{"error", server.status().ToString()}});
    return EXIT_FAILURE;
  }
  return atlas::server::RunUntilSignalled(**server, signals, common->port_file);
}
