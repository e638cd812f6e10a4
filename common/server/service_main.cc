#include "common/server/service_main.h"

#include <malloc.h>

#include <cstdlib>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/api/types/countries.h"
#include "common/auth/key_files.h"
#include "common/logging/log.h"
#include "common/server/port_file.h"
#include "common/server/single_writer.h"
#include "common/server/tls_flags.h"

ABSL_FLAG(std::string, api_keys_file, "",
          "file of SHA-256 key digests and roles (see common/auth/api_keys.h)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "how long in-flight calls may finish after SIGTERM");
ABSL_FLAG(std::string, port_file, "",
          "if set, the bound port is written there once serving");
ABSL_FLAG(int, max_queued_writes, 1024,
          "writes queued beyond this are refused with RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_inflight_reads, 256,
          "list pages served at once, split by caller class (a quarter for "
          "callers without a key, a reserved share for the other service); "
          "more are refused with RESOURCE_EXHAUSTED, so memory stays bounded "
          "under a read flood");
ABSL_FLAG(int, max_inflight_point_reads, 2048,
          "single-record and batch Gets served at once, split by caller "
          "class (a slot is held until gRPC is done with the call); more are "
          "refused with RESOURCE_EXHAUSTED");
ABSL_FLAG(int, public_read_threads, 2,
          "threads that run list pages and searches of callers without a "
          "key, at low CPU priority (nice 10), so a public flood cannot take "
          "the CPU members' and editors' calls need");
ABSL_FLAG(int, max_inflight_searches, 256,
          "searches and resolves served at once, split by caller class; "
          "more are refused with RESOURCE_EXHAUSTED");
ABSL_FLAG(std::string, iso_codes_path, atlas::api::kDebianIso3166Path,
          "ISO 3166-1 list of Debian's iso-codes package (JSON); the service "
          "does not start without it");
ABSL_FLAG(std::string, restore_from, "",
          "backup file (atlasctl admin backup) to restore into --db_path "
          "before starting; --db_path must be empty or absent, or hold a "
          "finished restore of this same backup (docs/deploy.md, section 7)");
ABSL_FLAG(int, max_public_streams, 64,
          "change streams open at once for callers without a key; more are "
          "refused with RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_public_streams_per_peer, 16,
          "change streams open at once for callers without a key from one "
          "peer address");
ABSL_FLAG(int, max_keyed_streams, 192,
          "change streams open at once for member, editor and admin keys");
ABSL_FLAG(int, reserved_service_streams, 16,
          "change streams reserved for the other service's SERVICE key, "
          "which no other caller can take");
ABSL_FLAG(int, max_request_bytes, 4 << 20,
          "largest request accepted; larger ones are refused with "
          "RESOURCE_EXHAUSTED before any handler runs");

// Storage and the one-writer rule (issue 18). In Kubernetes the overlays
// set the sizes from the container's memory limit (deploy/k8s).
ABSL_FLAG(int, block_cache_mb, 64,
          "RocksDB block cache, in MiB (>= 1): data blocks of recent reads");
ABSL_FLAG(int, write_buffer_mb, 128,
          "RocksDB memtables of all column families together, in MiB (>= 1)");
ABSL_FLAG(bool, require_ordinal_zero, false,
          "refuse to start unless this pod is replica 0 of its StatefulSet "
          "(pod name from $POD_NAME, else the host name): one writer per "
          "service");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port to serve Prometheus metrics on (GET /metrics), apart "
          "from the gRPC port; empty serves none");
ABSL_FLAG(double, access_log_sample, 0,
          "fraction of calls (0 to 1) that get a JSON access-log line "
          "(method, code, latency, peer, caller role, bytes, trace id)");
ABSL_FLAG(std::string, log_level, "info",
          "lowest level logged: debug, info, warning or error");
ABSL_FLAG(int, malloc_arenas, 2,
          "glibc malloc arenas (M_ARENA_MAX; 0 keeps glibc's default of 8 "
          "per core): bounds the memory many gRPC threads hold");

namespace atlas::server {
namespace {
// InitServiceProcess's argument, for CommonConfigFromFlags's messages.
const char* process_service_name = "";
}  // namespace

void InitServiceProcess(const char* service_name, int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  // glibc gives each thread that contends an arena of its own, up to 8
  // per core, and keeps what each has held: during a VERIS import the
  // incident service's RSS reached 600-950 MB with the default, 243 MB
  // with 2 arenas (docs/benchmarks.md).
  if (const int arenas = absl::GetFlag(FLAGS_malloc_arenas); arenas > 0) {
    mallopt(M_ARENA_MAX, arenas);
  }
  log::SetProcessField("service", service_name);
  process_service_name = service_name;
}

absl::StatusOr<CommonConfig> CommonConfigFromFlags() {
  // First: replica 1+ exits at once, whatever else is configured.
  if (absl::GetFlag(FLAGS_require_ordinal_zero)) {
    absl::Status ordinal = CheckOrdinalZero(process_service_name, PodName());
    if (!ordinal.ok()) return ordinal;
  }
  CommonConfig config;
  auto keys = auth::LoadKeysOrEmpty(absl::GetFlag(FLAGS_api_keys_file));
  if (!keys.ok()) {
    return absl::Status(
        keys.status().code(),
        absl::StrCat("--api_keys_file: ", keys.status().message()));
  }
  config.keys = *std::move(keys);
  auto tls = TlsCredentialsFromFlags();
  if (!tls.ok()) {
    return absl::Status(tls.status().code(),
                        absl::StrCat("TLS flags: ", tls.status().message()));
  }
  config.serving.credentials = tls->server;
  config.peer_credentials = tls->channel;
  config.serving.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  config.serving.max_queued_writes =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_queued_writes));
  config.serving.max_inflight_reads = absl::GetFlag(FLAGS_max_inflight_reads);
  config.serving.max_inflight_point_reads =
      absl::GetFlag(FLAGS_max_inflight_point_reads);
  config.serving.max_inflight_searches =
      absl::GetFlag(FLAGS_max_inflight_searches);
  config.serving.public_read_threads = absl::GetFlag(FLAGS_public_read_threads);
  config.serving.max_request_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  config.serving.streams = {
      .public_total = absl::GetFlag(FLAGS_max_public_streams),
      .public_per_peer = absl::GetFlag(FLAGS_max_public_streams_per_peer),
      .keyed_total = absl::GetFlag(FLAGS_max_keyed_streams),
      .service_total = absl::GetFlag(FLAGS_reserved_service_streams),
  };
  for (const auto& [flag, mb] :
       {std::pair{"--block_cache_mb", absl::GetFlag(FLAGS_block_cache_mb)},
        std::pair{"--write_buffer_mb", absl::GetFlag(FLAGS_write_buffer_mb)}}) {
    if (mb < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": must be at least 1, got ", mb));
    }
  }
  config.memory.block_cache_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20;
  config.memory.write_buffer_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_write_buffer_mb)) << 20;
  config.port_file = absl::GetFlag(FLAGS_port_file);
  config.serving.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.serving.access_log_sample = absl::GetFlag(FLAGS_access_log_sample);
  if (!(config.serving.access_log_sample >= 0 &&
        config.serving.access_log_sample <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--access_log_sample: must be between 0 and 1, got ",
                     config.serving.access_log_sample));
  }
  log::Level level;
  if (!log::ParseLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--log_level: must be debug, info, warning or error, "
                     "got \"",
                     absl::GetFlag(FLAGS_log_level), "\""));
  }
  log::SetMinLevel(level);
  config.iso_codes_path = absl::GetFlag(FLAGS_iso_codes_path);
  config.restore_from = absl::GetFlag(FLAGS_restore_from);
  for (const auto& [flag, value] :
       {std::pair{"--max_inflight_reads", config.serving.max_inflight_reads},
        std::pair{"--max_inflight_point_reads",
                  config.serving.max_inflight_point_reads},
        std::pair{"--max_inflight_searches",
                  config.serving.max_inflight_searches},
        std::pair{"--public_read_threads",
                  config.serving.public_read_threads}}) {
    if (value < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": must be at least 1, got ", value));
    }
  }
  return config;
}

int RunUntilSignalled(ServiceServer& server, TerminationSignalWatcher& signals,
                      const std::string& port_file) {
  absl::Status written = WritePortFile(port_file, server.port());
  if (!written.ok()) {
    log::Error("cannot write port file", {{"error", written.ToString()}});
    server.Shutdown();
    (void)server.Wait();
    return EXIT_FAILURE;
  }
  signals.Start([&server](int) { server.Shutdown(); });
  absl::Status closed = server.Wait();
  if (!closed.ok()) {
    log::Error("database did not close cleanly",
               {{"error", closed.ToString()}});
    return EXIT_FAILURE;
  }
  log::Info("database closed; exiting");
  return EXIT_SUCCESS;
}

}  // namespace atlas::server
