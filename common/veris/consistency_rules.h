// The rules VERIS's own validator (veris/bin/checkValidity.py) checks on
// top of its schema, where one field constrains another. Only those that
// every real VCDB record of the sample and every VERIS "should pass" case
// keeps; docs/veris-validation.md lists the others and why they are left
// out.
#ifndef ATLAS_COMMON_VERIS_CONSISTENCY_RULES_H_
#define ATLAS_COMMON_VERIS_CONSISTENCY_RULES_H_

#include <vector>

#include "common/veris/violation.h"
#include "nlohmann/json.hpp"

namespace atlas::veris {

// Appends to `out`, in this order, a violation when:
// - action.malware is present and attribute.integrity.variety lacks
//   "Software installation";
// - action.social is present and it lacks "Alter behavior";
// - action.hacking.variety has "SQLi" and it lacks "Repurpose";
// - security_incident is "Confirmed" and there is no attribute section;
// - action.physical.variety has "Theft" or action.error.variety "Loss",
//   and attribute.availability.variety lacks "Loss";
// - plus.attribute.confidentiality is present and
//   attribute.confidentiality is not;
// - victim.secondary.victim_id lists more victims than
//   victim.secondary.amount (missing: 0) says;
// - timeline.incident or plus.timeline.notification has a year, month and
//   day that are no calendar date (2014-02-30).
// Fields of the wrong type are skipped here: the schema reports them.
void CheckConsistency(const nlohmann::json& record,
                      std::vector<Violation>* out);

}  // namespace atlas::veris

#endif  // ATLAS_COMMON_VERIS_CONSISTENCY_RULES_H_
