// atlasctl orgs: organisations in catalog-service (typed stubs).
//   orgs get NAME                 NAME is `organizations/x` or just `x`.
//   orgs list [--filter=F] [--order-by=O] [--page-size=N] [--limit=N]
//                                 follows next_page_token until --limit
//                                 records (0, the default, means all).
//   orgs search QUERY [--limit=N]
//   orgs resolve QUERY            a URL, domain or name; prints the one match
//                                 or the candidates.
//   orgs create [JSON|-] [--id=ID] [--request-id=R] [--display-name=D]
//               [--country=CC] [--domains=a.be,b.be] [--url=URL]
//                                 JSON is an Organization in the protobuf
//                                 JSON mapping; the flags set fields on top.
// Table columns: NAME, DISPLAY NAME, COUNTRY, DOMAINS. With --output json,
// one Organization per line (for search and resolve, the response).
#ifndef ATLAS_TOOLS_ATLASCTL_ORGS_COMMAND_H_
#define ATLAS_TOOLS_ATLASCTL_ORGS_COMMAND_H_

#include <vector>

#include "tools/atlasctl/cli.h"

namespace atlas::atlasctl {

std::vector<Command> OrgsCommands();

}  // namespace atlas::atlasctl

#endif  // ATLAS_TOOLS_ATLASCTL_ORGS_COMMAND_H_
