// atlasctl admin: operators' commands (an ADMIN key).
//
//   atlasctl admin backup --service=catalog|incidents --output=FILE
//     Streams an online backup of the running service
//     (atlas.admin.v1.BackupService.StreamBackup) into FILE, checking every
//     file's size and SHA-256 as it arrives. FILE appears only once the
//     whole backup is written and synced (it is written as FILE.partial
//     and renamed). No deadline unless --timeout is given. Prints the
//     backup's id, its files and bytes, and what it covers.
//     --output=DIR/ (or an existing directory): the file is
//     DIR/<service>-<UTC yyyymmddThhmmssZ>-<id prefix>.bak, and --keep=N then
//     removes all but the newest N of them (a CronJob needs no shell).
//   atlasctl admin verify-backup FILE
//     Reads a backup file through and checks it as a restore would (the
//     format, every file's size and SHA-256, the trailer), writing nothing.
//
// Errors: as the RPC's (UNAUTHENTICATED, PERMISSION_DENIED without an
// ADMIN key; RESOURCE_EXHAUSTED while another backup runs); DATA_LOSS for
// a damaged stream or file; FAILED_PRECONDITION if the server answering
// is not the service asked for.
#ifndef ATLAS_TOOLS_ATLASCTL_ADMIN_COMMAND_H_
#define ATLAS_TOOLS_ATLASCTL_ADMIN_COMMAND_H_

#include <vector>

#include "tools/atlasctl/cli.h"

namespace atlas::atlasctl {

std::vector<Command> AdminCommands();

}  // namespace atlas::atlasctl

#endif  // ATLAS_TOOLS_ATLASCTL_ADMIN_COMMAND_H_
