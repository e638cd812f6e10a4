// incident-service: incidents, timelines and sources over gRPC.
//
// Wires flags -> store, catalog client -> core -> service -> server, waits
// for SIGTERM or SIGINT, drains, closes the database and exits 0.
// Start-up failures are logged and exit 1.
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/api/clock.h"
#include "common/concurrency/bounded_executor.h"
#include "common/grpc/main_support.h"
#include "common/grpc/server_runner.h"
#include "common/grpc/tls.h"
#include "common/server/tls_flags.h"
#include "common/logging/log.h"
#include "incident-service/attack_catalog.h"
#include "incident-service/catalog_client.h"
#include "incident-service/incident_core.h"
#include "incident-service/incident_service_impl.h"
#include "incident-service/incident_store.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052",
          "host:port to serve on (port 0 picks a free port)");
ABSL_FLAG(std::string, db_path, "./data/incidents", "RocksDB directory");
ABSL_FLAG(std::string, catalog_address, "127.0.0.1:50051",
          "gRPC target of catalog-service, e.g. dns:///catalog-headless:50051");
ABSL_FLAG(std::string, catalog_api_key_file, "",
          "file holding the raw SERVICE key presented to catalog-service");
ABSL_FLAG(absl::Duration, catalog_timeout, absl::Seconds(2),
          "deadline of each call to catalog-service");
ABSL_FLAG(std::string, api_keys_file, "",
          "file of SHA-256 key digests and roles (see common/auth/api_keys.h)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "how long in-flight calls may finish after SIGTERM");
ABSL_FLAG(std::string, port_file, "",
          "if set, the bound port is written there once serving");
ABSL_FLAG(std::string, attack_dir, "incident-service/data/attack",
          "directory of the pinned MITRE ATT&CK Enterprise data "
          "(enterprise-techniques.tsv, SOURCE.md); relative paths resolve "
          "against the working directory");
// Writers mostly wait: for the leader of their create group (one catalog
// call, one write for the group) and for the shared WAL sync. More threads
// let more concurrent creates join a group, not more CPU work (64 streams
// of CreateIncident: 32 threads ~4.6k/s, 128 threads ~5.2k/s).
ABSL_FLAG(int, write_threads, 128, "threads that run writes");
ABSL_FLAG(int, max_queued_writes, 1024,
          "writes queued beyond this are refused with RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_inflight_reads, 256,
          "page reads (lists, searches, batch gets, change streams) served at once; more "
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
  log::SetProcessField("service", "incident-service");

  auto keys = atlas::grpc_util::LoadKeysOrEmpty(absl::GetFlag(FLAGS_api_keys_file));
  if (!keys.ok()) {
    log::Error("cannot load api keys", {{"error", keys.status().ToString()}});
    return EXIT_FAILURE;
  }
  auto service_key = atlas::grpc_util::ReadServiceKey(absl::GetFlag(FLAGS_catalog_api_key_file));
  if (!service_key.ok()) {
    log::Error("cannot read catalog key", {{"error", service_key.status().ToString()}});
    return EXIT_FAILURE;
  }
  auto attack =
      atlas::incident::AttackCatalog::Load(absl::GetFlag(FLAGS_attack_dir));
  if (!attack.ok()) {
    log::Error("cannot load ATT&CK data; pass --attack_dir",
               {{"attack_dir", absl::GetFlag(FLAGS_attack_dir)},
                {"error", attack.status().ToString()}});
    return EXIT_FAILURE;
  }
  log::Info("ATT&CK data loaded", {{"release", attack->release()},
                                   {"techniques", attack->size()}});
  auto store =
      atlas::incident::IncidentStore::Open(absl::GetFlag(FLAGS_db_path));
  if (!store.ok()) {
    log::Error("cannot open database", {{"path", absl::GetFlag(FLAGS_db_path)},
                                        {"error", store.status().ToString()}});
    return EXIT_FAILURE;
  }
  auto tls = atlas::grpc_util::TlsCredentialsFromFlags();
  if (!tls.ok()) {
    log::Error("bad TLS configuration", {{"error", tls.status().ToString()}});
    return EXIT_FAILURE;
  }
  atlas::incident::CatalogClient catalog({
      .target = absl::GetFlag(FLAGS_catalog_address),
      .timeout = absl::GetFlag(FLAGS_catalog_timeout),
      .api_key = *service_key,
      .credentials = tls->channel,
  });
  atlas::incident::IncidentCore core(**store, catalog, *attack,
                                     atlas::api::RealClock::Get());
  {
    atlas::concurrency::BoundedExecutor writers(
        absl::GetFlag(FLAGS_write_threads),
        static_cast<size_t>(absl::GetFlag(FLAGS_max_queued_writes)));
    atlas::incident::IncidentServiceImpl service(core, *keys, writers,
                                                 absl::GetFlag(FLAGS_max_inflight_reads),
        absl::GetFlag(FLAGS_max_inflight_point_reads));

    atlas::grpc_util::ServerOptions options;
    options.listen_address = absl::GetFlag(FLAGS_listen);
    options.service_name = "atlas.incident.v1.IncidentService";
    options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
    options.max_receive_message_bytes = absl::GetFlag(FLAGS_max_request_bytes);
    options.credentials = tls->server;
    // Change streams never end on their own: close them when the drain
    // starts so they do not hold it for the whole grace period.
    options.on_drain_start = [&service] { service.CloseStreams(); };
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
    signals.Start([&runner](int) { (*runner)->Shutdown(); });
    (*runner)->Wait();
  }
  absl::Status closed = (*store)->Close();
  if (!closed.ok()) {
    log::Error("database did not close cleanly", {{"error", closed.ToString()}});
    return EXIT_FAILURE;
  }
  log::Info("database closed; exiting");
  return EXIT_SUCCESS;
}
