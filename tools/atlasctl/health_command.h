// atlasctl health [catalog|incidents]: the grpc.health.v1 status of each
// server, for "" (the process, liveness) and for its service's full name
// (readiness). Exit 0 when every check answers SERVING; otherwise every row
// is still printed, then the first failure (NOT_SERVING is UNAVAILABLE).
#ifndef ATLAS_TOOLS_ATLASCTL_HEALTH_COMMAND_H_
#define ATLAS_TOOLS_ATLASCTL_HEALTH_COMMAND_H_

#include <vector>

#include "tools/atlasctl/cli.h"

namespace atlas::atlasctl {

std::vector<Command> HealthCommands();

}  // namespace atlas::atlasctl

#endif  // ATLAS_TOOLS_ATLASCTL_HEALTH_COMMAND_H_
