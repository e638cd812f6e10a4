// atlasctl orgs: organisations in catalog-service (typed stubs).
//   orgs get NAME                 NAME is `organizations/x` or just `x`.
//   orgs list [--filter=F] [--order-by=O] [--page-size=N] [--limit=N]
//                                 follows next_page_token until --limit
//                                 records (0, the default, means all).
//   orgs search QUERY [--limit=N]
//   orgs resolve QUERY            a URL, domain or name; prints the one match
//                                 or the candidates.
//   orgs resolve --external-ref=SYSTEM:ID
//                                 the holder of an id in another system
//                                 (`veris:<incident_id>`).
//   orgs create [JSON|-] [--id=ID] [--request-id=R] [--display-name=D]
//               [--country=CC] [--domains=a.be,b.be] [--url=URL]
//               [--external-ref=SYSTEM:ID[:URL][,...]] [--industry-code=N]
//               [--employee-count=BAND] [--government=LEVEL[,...]]
//                                 JSON is an Organization in the protobuf
//                                 JSON mapping; the flags set fields on top
//                                 (list flags replace the JSON's list). The
//                                 values of the last three: org_flags.h.
// Table columns: NAME, DISPLAY NAME, COUNTRY, DOMAINS. With --output json,
// one Organization per line with every field (external references,
// industry code, employee count, government levels included; for search
// and resolve, the response).
#ifndef ATLAS_TOOLS_ATLASCTL_ORGS_COMMAND_H_
#define ATLAS_TOOLS_ATLASCTL_ORGS_COMMAND_H_

#include <vector>

#include "tools/atlasctl/cli.h"

namespace atlas::atlasctl {

std::vector<Command> OrgsCommands();

}  // namespace atlas::atlasctl

#endif  // ATLAS_TOOLS_ATLASCTL_ORGS_COMMAND_H_
