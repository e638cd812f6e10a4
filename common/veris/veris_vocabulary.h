// VerisVocabulary: the enumerations of the VERIS schema (the allowed values
// of every enumerated VERIS field), loaded once at start from
// `verisc-enum.json` (datasets/veris/, see SOURCE.md there for the VERIS
// release and its licence).
//
// The file is a JSON object tree whose leaves are arrays of strings; a
// leaf's path is the dotted list of keys that lead to it:
//   {"action": {"hacking": {"variety": ["Backdoor", ...]}}}
//     -> path "action.hacking.variety", values "Backdoor", ...
// Keys may hold spaces ("value_chain.cash-out.variety"). Values compare
// exactly, as VERIS spells them ("S - Web application", "Ransomware").
//
// Thread safety: immutable once loaded; every method may be called from
// any number of threads.
#ifndef ATLAS_COMMON_VERIS_VERIS_VOCABULARY_H_
#define ATLAS_COMMON_VERIS_VERIS_VOCABULARY_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace atlas::veris {

class VerisVocabulary {
 public:
  // The file Load reads from its directory.
  static constexpr char kFileName[] = "verisc-enum.json";

  // Reads `<dir>/verisc-enum.json`. NOT_FOUND if it cannot be read;
  // DATA_LOSS (naming the path) if it is not JSON, a leaf is not an array
  // of strings, or it holds no enumeration at all.
  static absl::StatusOr<VerisVocabulary> Load(const std::string& dir);

  // Parses the JSON text of such a file (for tests); errors as Load.
  static absl::StatusOr<VerisVocabulary> Parse(absl::string_view json);

  // Whether VERIS enumerates values at `path` ("action.error.result" does
  // not exist: VERIS codes no result for errors).
  bool HasPath(absl::string_view path) const {
    return enumerations_.contains(path);
  }
  // Whether `value` is one of the values of the enumeration at `path`;
  // false when there is no such enumeration.
  bool Contains(absl::string_view path, absl::string_view value) const;
  // How many values the enumeration at `path` has (0 when none), for
  // messages.
  size_t ValueCount(absl::string_view path) const;
  // How many enumerations (paths) were loaded.
  size_t size() const { return enumerations_.size(); }

 private:
  absl::flat_hash_map<std::string, absl::flat_hash_set<std::string>>
      enumerations_;
};

}  // namespace atlas::veris

#endif  // ATLAS_COMMON_VERIS_VERIS_VOCABULARY_H_
