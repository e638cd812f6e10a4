// Reflection commands, grpcurl's job without grpcurl:
//   atlasctl call SERVICE/METHOD JSON|-   invoke any unary or server-streaming
//       method with a JSON request; prints each response as one JSON line.
//       The server is chosen by the service's package (atlas.catalog.* ->
//       --catalog, atlas.incident.* -> --incidents), or by --server=catalog|
//       incidents for the others (grpc.health.v1.Health, reflection).
//   atlasctl list [catalog|incidents]      the services each server registers.
#ifndef ATLAS_TOOLS_ATLASCTL_CALL_COMMAND_H_
#define ATLAS_TOOLS_ATLASCTL_CALL_COMMAND_H_

#include <vector>

#include "tools/atlasctl/cli.h"

namespace atlas::atlasctl {

std::vector<Command> CallCommands();

}  // namespace atlas::atlasctl

#endif  // ATLAS_TOOLS_ATLASCTL_CALL_COMMAND_H_
