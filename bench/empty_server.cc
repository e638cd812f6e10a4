// empty_server: the benchmark baseline. One unary method
// (atlas.bench.v1.EmptyService/Ping) whose callback handler finishes OK at
// once, served through common/grpc/server_runner.h so that every server
// option (message limits, connection age, health, reflection) is the one
// the real services use. Whatever the services lose against this server is
// the cost of their own work: auth, storage, validation, redaction.
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "atlas/bench/v1/bench.grpc.pb.h"
#include "common/grpc/server_runner.h"
#include "common/logging/log.h"
#include "common/server/port_file.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to serve on");
ABSL_FLAG(std::string, port_file, "",
          "if set, the bound port is written there once serving");

namespace {

class EmptyServiceImpl final
    : public atlas::bench::v1::EmptyService::CallbackService {
  ::grpc::ServerUnaryReactor* Ping(::grpc::CallbackServerContext* context,
                                   const atlas::bench::v1::PingRequest*,
                                   atlas::bench::v1::PingResponse*) override {
    ::grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(::grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char** argv) {
  atlas::grpc_util::TerminationSignalWatcher signals;
  // Debian's Abseil keeps Mutex deadlock detection on (~1.7% of a read's
  // CPU in GraphCycles); the services and the bench baseline turn it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  atlas::log::SetProcessField("service", "bench-empty-server");
  EmptyServiceImpl service;
  atlas::grpc_util::ServerOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.service_name = "atlas.bench.v1.EmptyService";
  auto runner = atlas::grpc_util::ServerRunner::Start(options, {&service});
  if (!runner.ok()) {
    atlas::log::Error("cannot start server",
                      {{"error", runner.status().ToString()}});
    return EXIT_FAILURE;
  }
  absl::Status port_file = atlas::server::WritePortFile(
      absl::GetFlag(FLAGS_port_file), (*runner)->port());
  if (!port_file.ok()) {
    atlas::log::Error("cannot write port file",
                      {{"error", port_file.ToString()}});
    return EXIT_FAILURE;
  }
  signals.Start([&runner](int) { (*runner)->Shutdown(); });
  (*runner)->Wait();
  return EXIT_SUCCESS;
}
