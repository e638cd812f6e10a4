// Figures derived from an incident's timeline (DerivedFigures in the
// proto): days from detection to the police report, to the data protection
// authority's report and to public disclosure, and whether the authority
// was told within 72 hours. Never typed in: recomputed on every event or
// source write and stored on the incident.
#ifndef ATLAS_INCIDENT_SERVICE_DERIVED_FIGURES_H_
#define ATLAS_INCIDENT_SERVICE_DERIVED_FIGURES_H_

#include <vector>

#include "atlas/incident/v1/incident_service.pb.h"

namespace atlas::incident {

// The figures of `events` (their effective dates). A span is set only when
// both ends are known: an unresolved event of a type makes its earliest
// unknown. Spans of partial dates are [min_days, max_days] ranges.
v1::DerivedFigures ComputeDerivedFigures(
    const std::vector<v1::TimelineEvent>& events);

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_DERIVED_FIGURES_H_
