// One way in which a JSON record breaks the VERIS rules.
#ifndef ATLAS_COMMON_VERIS_VIOLATION_H_
#define ATLAS_COMMON_VERIS_VIOLATION_H_

#include <string>

namespace atlas::veris {

struct Violation {
  // Where, in the record: dotted field names, "[i]" for an array item, ""
  // for the record itself: "action.error.variety[1]", "victim".
  std::string path;
  // Why, for a person: "is required but missing", "\"Foo\" is not one of
  // the 56 allowed values".
  std::string reason;

  bool operator==(const Violation&) const = default;
};

}  // namespace atlas::veris

#endif  // ATLAS_COMMON_VERIS_VIOLATION_H_
