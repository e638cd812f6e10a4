// IncidentIndex: the secondary indexes an incident list can be driven by.
//
// A small header of its own so that the filter parser (incident_filter.h)
// names an index without depending on the store. Each value is one key
// prefix of IncidentStore's `indexes` family (see incident_store.h for the
// layout); the numeric values are never stored, only the prefixes are.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_INDEX_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_INDEX_H_

namespace atlas::incident {

enum class IncidentIndex {
  kAll,            // list\0: every incident
  kVictim,         // victim\0<organization id>
  kCountry,        // country\0<CC>
  kType,           // type\0<IncidentType number>
  kDetermination,  // determination\0<Determination number>
  kMotive,         // motive\0<Motive number>
  kTechnique,      // technique\0<T1234[.001]>
  kActorType,      // actor_type\0<ThreatActorType number>
  kStartYear,      // start_year\0<YYYY>
  // external_ref\0<system>:<id>: at most one entry per value (a pair names
  // one incident), so it is also the uniqueness check of the pair.
  kExternalReference,
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_INDEX_H_
