// The members-only paths of Incident, written out by hand (not read from
// the descriptors the redaction itself reads), in field order: what
// `redacted_fields` lists for a caller without a MEMBER key, whether or not
// the record holds the field. A field marked MEMBER, or unmarked, changes
// this list on purpose.
#ifndef ATLAS_TESTS_TESTING_MEMBERS_ONLY_PATHS_H_
#define ATLAS_TESTS_TESTING_MEMBERS_ONLY_PATHS_H_

#include <string>
#include <vector>

namespace atlas::testing {

inline const std::vector<std::string>& IncidentMembersOnlyPaths() {
  static const auto* paths = new std::vector<std::string>{
      "cia_posture", "motives", "techniques", "threat_actors",
      // Issue 13: the VERIS classification and the original record.
      "targeting", "actions", "data_exposure", "assets", "discovery_methods",
      "durations", "losses", "original_record"};
  return *paths;
}

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_TESTING_MEMBERS_ONLY_PATHS_H_
