// IncidentIndex: the secondary indexes an incident list can be driven by.
//
// A small header of its own so that the filter parser (incident_filter.h)
// names an index without depending on the store. Each value is one key
// prefix of IncidentStore's `indexes` family (see incident_store.h for the
// layout); the numeric values are never stored, only the prefixes are.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_INDEX_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_INDEX_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "atlas/incident/v1/incident.pb.h"

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

// The index's name, as the first part of its keys ("victim", "country").
absl::string_view IndexName(IncidentIndex index);

// Every list-index value `incident` is listed under, kAll ("") first: the
// victims' organisation ids, countries, IncidentType / Determination /
// Motive / ThreatActorType numbers, technique ids, the start year (YYYY)
// and external references ("system:id"). The store keys its list entries
// by them and the search index its filter terms, so both agree on what a
// filter matches. Of a public view it yields only public values.
std::vector<std::pair<IncidentIndex, std::string>> ListIndexValues(
    const v1::Incident& incident);

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_INDEX_H_
