// AttackCatalog: the pinned MITRE ATT&CK Enterprise release the service
// checks technique ids against (incident-service/data/attack/, see
// SOURCE.md there for the release and its terms of use).
//
// Loaded once at start from `enterprise-techniques.tsv` (columns: id, name,
// tactics, is_subtechnique, deprecated, revoked, revoked_by). Immutable
// afterwards, so every method is thread-safe.
#ifndef ATLAS_INCIDENT_SERVICE_ATTACK_CATALOG_H_
#define ATLAS_INCIDENT_SERVICE_ATTACK_CATALOG_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace atlas::incident {

class AttackCatalog {
 public:
  struct Technique {
    std::string id;    // "T1486", "T1566.001"
    std::string name;  // "Data Encrypted for Impact"
    bool deprecated = false;
    bool revoked = false;
    std::string revoked_by;  // the replacing id when revoked
  };

  // Reads `<dir>/enterprise-techniques.tsv` and the release name from the
  // first heading of `<dir>/SOURCE.md`. NOT_FOUND if the directory or the
  // file is missing, INVALID_ARGUMENT naming the line if a row is malformed.
  static absl::StatusOr<AttackCatalog> Load(const std::string& dir);

  // Parses TSV text (with its header line). `release` names the release in
  // error messages ("ATT&CK Enterprise v18.1").
  static absl::StatusOr<AttackCatalog> Parse(absl::string_view tsv,
                                             std::string release);

  // Whether `id` has the shape of an ATT&CK technique id: "T" and four
  // digits ("T1486"), optionally "." and three digits for a sub-technique
  // ("T1566.001"). A shape check only, independent of any release: a
  // well-shaped id may still be unknown to Find and Check. Pure, no
  // catalog needed.
  static bool IsTechniqueId(absl::string_view id);

  // The technique with `id`, or null if the release has no such id.
  const Technique* Find(absl::string_view id) const;

  // Checks `id` for an incident: OK with *name set for an active or
  // deprecated technique; INVALID_ARGUMENT naming `field` for an unknown id
  // or a revoked one (the message names the replacement).
  absl::Status Check(absl::string_view id, absl::string_view field,
                     std::string* name) const;

  const std::string& release() const { return release_; }
  size_t size() const { return techniques_.size(); }

 private:
  std::string release_;
  absl::flat_hash_map<std::string, Technique> techniques_;
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_ATTACK_CATALOG_H_
