#include "incident-service/incident_core.h"

namespace atlas::incident {

IncidentCore::IncidentCore(const Collaborators& c)
    : validator_(*c.attack, *c.countries),
      writer_(*c.changelog),
      creator_(*c.store, *c.changelog, writer_, *c.directory, validator_,
               *c.clock),
      editor_(*c.store, *c.changelog, writer_, *c.directory, validator_,
              *c.clock),
      query_(*c.store),
      timeline_(*c.store, *c.changelog, writer_, validator_, *c.clock) {}

}  // namespace atlas::incident
