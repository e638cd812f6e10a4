// catalog-service: organisation profiles over gRPC.
//
// Wires flags -> store -> core -> service -> server, waits for SIGTERM or
// SIGINT, drains, closes the database and exits 0. Start-up failures are
// logged and exit 1.
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "catalog-service/catalog_core.h"
#include "catalog-service/catalog_service_impl.h"
#include "catalog-service/catalog_store.h"
#include "catalog-service/incident_follower.h"
#include "absl/synchronization/mutex.h"
#include "common/api/clock.h"
#include "common/api/countries.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/main_support.h"
#include "common/grpc/server_runner.h"
#include "common/grpc/service_channel.h"
#include "common/grpc/tls.h"
#include "common/server/tls_flags.h"
#include "common/logging/log.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve on (port 0 picks a free port)");
ABSL_FLAG(std::string, db_path, "./data/catalog", "RocksDB directory");
ABSL_FLAG(std::string, api_keys_file, "",
          "file of SHA-256 key digests and roles (see common/auth/api_keys.h)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "how long in-flight calls may finish after SIGTERM");
ABSL_FLAG(std::string, port_file, "",
          "if set, the bound port is written there once serving");
ABSL_FLAG(int, write_threads, 4, "threads that run writes");
ABSL_FLAG(std::string, iso_codes_path, atlas::api::kDebianIso3166Path,
          "ISO 3166-1 list of Debian's iso-codes package (JSON)");
ABSL_FLAG(std::string, incident_address, "",
          "incident-service host:port whose change stream to follow; empty: "
          "do not follow (linked incidents stay as stored)");
ABSL_FLAG(std::string, incident_api_key_file, "",
          "file holding the raw SERVICE key sent to incident-service");
ABSL_FLAG(int, max_queued_writes, 1024,
          "writes queued beyond this are refused with RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_inflight_reads, 256,
          "page reads (lists, searches, batch gets) served at once; more "
          "are refused with RESOURCE_EXHAUSTED, so memory stays bounded under "
          "a read flood");
ABSL_FLAG(int, max_inflight_point_reads, 2048,
          "single-record Gets served at once (small answers; a slot is held "
          "until gRPC is done with the call); more are refused with "
          "RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_request_bytes, 4 << 20,
          "largest request accepted; larger ones are refused with "
          "RESOURCE_EXHAUSTED before any handler runs");

int main(int argc, char** argv) {
  // Before any thread exists, so that only the watcher receives signals.
  atlas::grpc_util::TerminationSignalWatcher signals;
  // Debian's Abseil keeps Mutex deadlock detection on (~1.7% of a read's
  // CPU in GraphCycles); the services and the bench baseline turn it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  namespace log = atlas::log;
  log::SetProcessField("service", "catalog-service");

  auto keys = atlas::grpc_util::LoadKeysOrEmpty(absl::GetFlag(FLAGS_api_keys_file));
  if (!keys.ok()) {
    log::Error("cannot load api keys", {{"error", keys.status().ToString()}});
    return EXIT_FAILURE;
  }
  auto countries =
      atlas::api::CountryList::LoadFile(absl::GetFlag(FLAGS_iso_codes_path));
  if (!countries.ok()) {
    log::Error("cannot load the ISO 3166-1 country list",
               {{"path", absl::GetFlag(FLAGS_iso_codes_path)},
                {"error", countries.status().ToString()}});
    return EXIT_FAILURE;
  }
  auto incident_key_or = atlas::grpc_util::ReadServiceKey(
      absl::GetFlag(FLAGS_incident_api_key_file));
  if (!incident_key_or.ok()) {
    log::Error("cannot read incident api key file",
               {{"error", incident_key_or.status().ToString()}});
    return EXIT_FAILURE;
  }
  const std::string incident_key = *incident_key_or;
  auto store = atlas::catalog::CatalogStore::Open(absl::GetFlag(FLAGS_db_path));
  if (!store.ok()) {
    log::Error("cannot open database", {{"path", absl::GetFlag(FLAGS_db_path)},
                                        {"error", store.status().ToString()}});
    return EXIT_FAILURE;
  }
  atlas::catalog::CatalogCore::Options core_options;
  core_options.countries = &*countries;
  atlas::catalog::CatalogCore core(**store, atlas::api::RealClock::Get(),
                                   core_options);
  auto tls = atlas::grpc_util::TlsCredentialsFromFlags();
  if (!tls.ok()) {
    log::Error("bad TLS configuration", {{"error", tls.status().ToString()}});
    return EXIT_FAILURE;
  }
  std::unique_ptr<atlas::catalog::IncidentFollower> follower;
  if (!absl::GetFlag(FLAGS_incident_address).empty()) {
    if (incident_key.empty()) {
      log::Warning("following incident-service without a key",
                   {{"hint", "set --incident_api_key_file"}});
    }
    atlas::catalog::IncidentFollower::Options follower_options;
    follower_options.api_key = incident_key;
    follower = std::make_unique<atlas::catalog::IncidentFollower>(
        core,
        atlas::grpc_util::MakeServiceChannel(
            absl::GetFlag(FLAGS_incident_address), tls->channel),
        follower_options);
  }
  {
    atlas::concurrency::BoundedExecutor writers(
        absl::GetFlag(FLAGS_write_threads),
        static_cast<size_t>(absl::GetFlag(FLAGS_max_queued_writes)));
    atlas::catalog::CatalogServiceImpl service(core, *keys, writers,
                                                 absl::GetFlag(FLAGS_max_inflight_reads),
        absl::GetFlag(FLAGS_max_inflight_point_reads));

    atlas::grpc_util::ServerOptions options;
    options.listen_address = absl::GetFlag(FLAGS_listen);
    options.service_name = "atlas.catalog.v1.CatalogService";
    options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
    options.max_receive_message_bytes = absl::GetFlag(FLAGS_max_request_bytes);
    options.credentials = tls->server;
    // The follower's stream is cancelled as soon as draining starts.
    options.on_drain_start = [&follower] {
      if (follower) follower->Stop();
    };
    auto runner = atlas::grpc_util::ServerRunner::Start(options, {&service});
    if (!runner.ok()) {
      log::Error("cannot start server", {{"error", runner.status().ToString()}});
      return EXIT_FAILURE;
    }
    absl::Status port_file = atlas::grpc_util::WritePortFile(
        absl::GetFlag(FLAGS_port_file), (*runner)->port());
    if (!port_file.ok()) {
      log::Error("cannot write port file", {{"error", port_file.ToString()}});
      return EXIT_FAILURE;
    }
    if (follower) {
      follower->Start();
      log::Info("following incident changes",
                {{"address", absl::GetFlag(FLAGS_incident_address)}});
    }
    signals.Start([&runner](int) { (*runner)->Shutdown(); });
    (*runner)->Wait();
    if (follower) follower->Stop();
  }
  follower.reset();
  absl::Status closed = (*store)->Close();
  if (!closed.ok()) {
    log::Error("database did not close cleanly", {{"error", closed.ToString()}});
    return EXIT_FAILURE;
  }
  log::Info("database closed; exiting");
  return EXIT_SUCCESS;
}
