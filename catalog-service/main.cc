// catalog-service: organisation profiles over gRPC.
//
// Parses the flags into CatalogServer::Options, starts the server, serves
// until SIGTERM or SIGINT, drains, closes the database and exits 0.
// Start-up failures are logged and exit 1. The flags every service shares
// (keys, TLS, limits, port file) are declared in
// common/server/service_main.cc; the ones below are the catalog's own.
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "catalog-service/catalog_server.h"
#include "common/auth/key_files.h"
#include "common/logging/log.h"
#include "common/server/service_main.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve on (port 0 picks a free port)");
ABSL_FLAG(std::string, db_path, "./data/catalog", "RocksDB directory");
ABSL_FLAG(int, write_threads, 4, "threads that run writes");
ABSL_FLAG(std::string, incident_address, "",
          "incident-service host:port whose change stream to follow; empty: "
          "do not follow (linked incidents stay as stored)");
ABSL_FLAG(std::string, incident_api_key_file, "",
          "file holding the raw SERVICE key sent to incident-service");

int main(int argc, char** argv) {
  namespace log = atlas::log;
  // Before any thread exists, so that only the watcher receives signals.
  atlas::server::TerminationSignalWatcher signals;
  atlas::server::InitServiceProcess("catalog-service", argc, argv);

  auto common = atlas::server::CommonConfigFromFlags();
  if (!common.ok()) {
    log::Error("bad configuration", {{"error", common.status().ToString()}});
    return EXIT_FAILURE;
  }
  auto incident_key =
      atlas::auth::ReadServiceKey(absl::GetFlag(FLAGS_incident_api_key_file));
  if (!incident_key.ok()) {
    log::Error("cannot read incident api key file",
               {{"error", incident_key.status().ToString()}});
    return EXIT_FAILURE;
  }

  atlas::catalog::CatalogServer::Options options;
  options.serving = common->serving;
  options.serving.listen_address = absl::GetFlag(FLAGS_listen);
  options.serving.write_threads = absl::GetFlag(FLAGS_write_threads);
  options.db_path = absl::GetFlag(FLAGS_db_path);
  options.restore_from = common->restore_from;
  options.memory = common->memory;
  options.iso_codes_path = common->iso_codes_path;
  options.incident_address = absl::GetFlag(FLAGS_incident_address);
  options.incident_api_key = *std::move(incident_key);
  options.peer_credentials = common->peer_credentials;
  options.keys = &common->keys;

  auto server = atlas::catalog::CatalogServer::Start(std::move(options));
  if (!server.ok()) {
    log::Error("cannot start catalog-service",
               {{"error", server.status().ToString()}});
    return EXIT_FAILURE;
  }
  return atlas::server::RunUntilSignalled(**server, signals, common->port_file);
}
