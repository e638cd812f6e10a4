// atlasctl incidents: incidents in incident-service (typed stubs).
//   incidents get NAME            NAME is `incidents/x` or just `x`.
//   incidents list [--filter=F] [--order-by=O] [--page-size=N] [--limit=N]
//                                 O as ListIncidentsRequest.order_by:
//                                 "start_date desc", "disclosed_date asc",
//                                 "update_time desc", ... (--order_by works
//                                 too, as every flag).
//   incidents create [JSON|-] [--id=ID] [--request-id=R]
//                                 JSON is an Incident in the protobuf JSON
//                                 mapping.
//   incidents timeline NAME       every timeline event, in time order.
//   incidents watch [--from=SEQ]  follows the change stream until
//                                 interrupted; without --timeout it has no
//                                 deadline, and with one, reaching it ends
//                                 the watch normally (exit 0).
// Table columns: NAME, TITLE, VICTIMS, START, DISCLOSED for incidents;
// DATE (or "unresolved: <expression>"), TYPE, DESCRIPTION for the timeline;
// SEQ, CHANGE, INCIDENT, TITLE for watch. With --output json, one message
// per line (Incident, TimelineEvent, IncidentChange).
#ifndef ATLAS_TOOLS_ATLASCTL_INCIDENTS_COMMAND_H_
#define ATLAS_TOOLS_ATLASCTL_INCIDENTS_COMMAND_H_

#include <vector>

#include "tools/atlasctl/cli.h"

namespace atlas::atlasctl {

std::vector<Command> IncidentsCommands();

}  // namespace atlas::atlasctl

#endif  // ATLAS_TOOLS_ATLASCTL_INCIDENTS_COMMAND_H_
