// VictimReservations: which organisations in-flight writes have asked the
// catalog about, so that a delete of an organisation can be decided on this
// service's records without racing a write that the catalog has already
// let name it.
//
// The protocol (see CatalogService.DeleteOrganization): the catalog first
// refuses victim checks for the organisation, then calls
// CheckOrganizationReferences here. A create or update takes a Hold on the
// victims it names *before* asking the catalog and keeps it until its
// write is committed (or has failed). AwaitEarlierHolds waits for every
// hold on the organisation taken before it was called; holds taken later
// asked the catalog after it started refusing, so they cannot commit the
// organisation. Once it returns true, the store shows every incident that
// will ever name the organisation (until the catalog's delete gives up).
//
// Thread safety: all methods may be called concurrently.
#ifndef ATLAS_INCIDENT_SERVICE_VICTIM_RESERVATIONS_H_
#define ATLAS_INCIDENT_SERVICE_VICTIM_RESERVATIONS_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace atlas::incident {

class VictimReservations {
 public:
  // A reservation of some organisation names; released on destruction.
  class Hold {
   public:
    Hold(Hold&& other) noexcept
        : owner_(other.owner_),
          ticket_(other.ticket_),
          names_(std::move(other.names_)) {
      other.owner_ = nullptr;
    }
    Hold& operator=(Hold&&) = delete;
    Hold(const Hold&) = delete;
    ~Hold();

   private:
    friend class VictimReservations;
    Hold(VictimReservations* owner, uint64_t ticket,
         std::vector<std::string> names)
        : owner_(owner), ticket_(ticket), names_(std::move(names)) {}
    VictimReservations* owner_;
    uint64_t ticket_;
    std::vector<std::string> names_;
  };

  VictimReservations() = default;
  VictimReservations(const VictimReservations&) = delete;
  VictimReservations& operator=(const VictimReservations&) = delete;

  // Reserves `names` (`organizations/{id}`, duplicates allowed) until the
  // returned Hold is destroyed. Take it before the victim check and keep
  // it until the write's outcome is known.
  Hold Reserve(std::vector<std::string> names);

  // Waits until no hold on `name` taken before this call remains; true
  // then, false if `deadline` passed first.
  bool AwaitEarlierHolds(absl::string_view name, absl::Time deadline);

 private:
  void Release(uint64_t ticket, const std::vector<std::string>& names);

  absl::Mutex mu_;
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 1;
  // name -> tickets of the holds on it (one per hold, even if the hold
  // names it twice).
  absl::flat_hash_map<std::string, std::multiset<uint64_t>> held_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_VICTIM_RESERVATIONS_H_
