// Finds or creates the catalog organisation of each VERIS victim, once per
// victim per run.
//
// Order, for a victim named N (VictimDescription):
//   1. ResolveOrganization by external reference {veris-victim, N}: an
//      organisation an earlier import made (or an analyst tagged).
//   2. ResolveOrganization by query N: an organisation whose display name
//      or alias is N (case- and accent-insensitive; a name that reads as a
//      domain resolves through it). When several match, the one in the
//      victim's country is taken if it is the only one there; otherwise
//      none is (no guessing between namesakes) and step 3 runs.
//   3. CreateOrganization with id OrganizationSlug(N) and what VERIS says
//      of the victim, with a request_id derived from that request (a retry
//      or a re-run replays it). If the id is taken by an organisation that
//      steps 1 and 2 did not find, the id gets "-" + 12 hex of
//      SHA-256(N).
//      An ALREADY_EXISTS is first checked against step 1 again (another
//      import may just have created it).
// The catalog offers no lookup by domain for VERIS victims: VERIS records
// name no domain.
//
// Each victim name is looked up once per run, whatever the number of
// records naming it: concurrent requests for it wait for the first, later
// ones get the cached answer (a failure is cached too). The organisation
// is described by the first record that names it; later records do not
// change it.
//
// Thread safety: Resolve may be called from any thread; `done` runs once,
// on a catalog callback thread or the caller's (cached answers).
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_VICTIM_RESOLVER_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_VICTIM_RESOLVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tools/atlasctl/veris/organization_catalog.h"
#include "tools/atlasctl/veris/victim_description.h"

namespace atlas::atlasctl::veris {

class VictimResolver {
 public:
  // `catalog` is not owned and must outlive the resolver.
  explicit VictimResolver(OrganizationCatalog& catalog) : catalog_(catalog) {}

  // `done` gets the organisation's resource name ("organizations/x"), or
  // the reason it could not be had, as "<veris_path>: <reason>" with the
  // catalog's code (INVALID_ARGUMENT for a victim the catalog refuses,
  // UNAVAILABLE when it cannot be reached).
  void Resolve(const VictimDescription& victim,
               std::function<void(absl::StatusOr<std::string>)> done);

  struct Counts {
    // Distinct victims asked for.
    int64_t victims = 0;
    int64_t by_reference = 0;
    int64_t by_name = 0;
    int64_t created = 0;
    int64_t failed = 0;
  };
  Counts counts() const;

  // The request id CreateOrganization gets for `request` (its
  // request_id ignored): "vv-" + 40 hex of the SHA-256 of its
  // deterministic serialisation.
  static std::string RequestIdFor(
      catalog::v1::CreateOrganizationRequest request);

 private:
  struct Entry {
    bool done = false;
    absl::StatusOr<std::string> result;
    std::vector<std::function<void(const absl::StatusOr<std::string>&)>>
        waiters;
  };

  // Step 1; `if_not_found` runs when no organisation holds the reference.
  void ByReference(std::shared_ptr<Entry> entry,
                   std::shared_ptr<const VictimDescription> victim,
                   std::function<void()> if_not_found);
  void ByName(std::shared_ptr<Entry> entry,
              std::shared_ptr<const VictimDescription> victim);
  void Create(std::shared_ptr<Entry> entry,
              std::shared_ptr<const VictimDescription> victim, bool hashed_id);
  void Finish(const std::shared_ptr<Entry>& entry,
              absl::StatusOr<std::string> result, int64_t Counts::*counter);

  OrganizationCatalog& catalog_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Entry>> entries_
      ABSL_GUARDED_BY(mu_);
  Counts counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_VICTIM_RESOLVER_H_
