// The steps every service binary's main() shares, so that each main.cc only
// turns its own flags into its server's Options:
//
//   int main(int argc, char** argv) {
//     atlas::server::TerminationSignalWatcher signals;  // before any thread
//     atlas::server::InitServiceProcess("catalog-service", argc, argv);
//     auto common = atlas::server::CommonConfigFromFlags();
//     ... build Options, Start the server ...
//     return atlas::server::RunUntilSignalled(**server, signals,
//                                             common->port_file);
//   }
//
// The flags declared here, once for both services: --api_keys_file,
// --shutdown_grace, --port_file, --max_queued_writes, --max_inflight_reads,
// --max_inflight_point_reads, --max_inflight_searches, --public_read_threads,
// --max_request_bytes, --iso_codes_path, --restore_from, --block_cache_mb,
// --write_buffer_mb, --require_ordinal_zero (single_writer.h),
// --metrics_listen, --access_log_sample, --log_level (applied by
// CommonConfigFromFlags), and
// the TLS flags of
// tls_flags.h. Each service declares its own --listen, --db_path and
// --write_threads (their defaults differ).
#ifndef ATLAS_COMMON_SERVER_SERVICE_MAIN_H_
#define ATLAS_COMMON_SERVER_SERVICE_MAIN_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/auth/api_keys.h"
#include "common/grpc/server_runner.h"
#include "common/server/service_server.h"
#include "common/server/serving_options.h"
#include "common/storage/memory_budget.h"
#include "grpcpp/security/credentials.h"

namespace atlas::server {

using grpc_util::TerminationSignalWatcher;

// Turns off Abseil's mutex deadlock detection (Debian's Abseil keeps it on:
// ~1.7% of a read's CPU), parses the command line and names the process in
// every log line.
void InitServiceProcess(const char* service_name, int argc, char** argv);

// What the shared flags configure.
struct CommonConfig {
  // Everything of ServingOptions but listen_address and write_threads,
  // which the service's own flags set.
  ServingOptions serving;
  auth::KeyRegistry keys;
  // Credentials to dial the other service with; null means plaintext.
  std::shared_ptr<::grpc::ChannelCredentials> peer_credentials;
  std::string port_file;
  // The ISO 3166-1 list both services check countries against.
  std::string iso_codes_path;
  // --restore_from: a backup file to restore into --db_path first.
  std::string restore_from;
  // The store's RocksDB memory (--block_cache_mb, --write_buffer_mb).
  storage::MemoryBudget memory;
};
// Errors name the flag: a key file that cannot be read, bad TLS files.
// FAILED_PRECONDITION when --require_ordinal_zero is set and this pod is
// not replica 0 of its StatefulSet (CheckOrdinalZero).
absl::StatusOr<CommonConfig> CommonConfigFromFlags();

// Writes the port file, shuts `server` down on SIGTERM or SIGINT, waits for
// it and returns the process exit code: EXIT_SUCCESS after a clean close,
// EXIT_FAILURE if the port file cannot be written or the database did not
// close cleanly (both logged).
int RunUntilSignalled(ServiceServer& server, TerminationSignalWatcher& signals,
                      const std::string& port_file);

}  // namespace atlas::server

#endif  // ATLAS_COMMON_SERVER_SERVICE_MAIN_H_
