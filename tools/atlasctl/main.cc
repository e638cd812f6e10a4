// atlasctl: command-line client of Incident Atlas. See cli.h for the exit
// codes and `atlasctl --help` (HelpText) for the commands; each command
// lives in its own *_command.cc.
#include <iostream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "tools/atlasctl/admin_command.h"
#include "tools/atlasctl/call_command.h"
#include "tools/atlasctl/cli.h"
#include "tools/atlasctl/health_command.h"
#include "tools/atlasctl/import_command.h"
#include "tools/atlasctl/incidents_command.h"
#include "tools/atlasctl/orgs_command.h"

int main(int argc, char** argv) {
  using namespace atlas::atlasctl;
  // As the services do (common/server/service_main.cc): Debian's Abseil is
  // built with deadlock detection on, which costs a graph update on every
  // lock of the many mutexes an import's calls create.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<Command> commands;
  for (auto group : {CallCommands, HealthCommands, OrgsCommands,
                     IncidentsCommands, ImportCommands, AdminCommands}) {
    std::vector<Command> more = group();
    commands.insert(commands.end(), more.begin(), more.end());
  }
  return Run(std::vector<std::string>(argv + 1, argv + argc), commands,
             std::cout, std::cerr);
}
