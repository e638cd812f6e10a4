// CatalogCore: the catalog's domain rules, over CatalogStore.
//
// Speaks protos and absl::Status; never gRPC. Every method takes the
// caller and checks the role first, before any existence check, so a
// caller without rights learns nothing about what exists.
//
// Error codes: INVALID_ARGUMENT (message names the field and the rule),
// NOT_FOUND, ALREADY_EXISTS (id taken, or a domain owned by another
// organisation: the message names the owner), ABORTED (stale etag),
// FAILED_PRECONDITION (delete of an organisation that incidents name, or
// that has child organisations), UNAUTHENTICATED, PERMISSION_DENIED,
// INTERNAL/UNAVAILABLE for storage failures (logged; the caller sees a
// generic message). A rejected request changes nothing stored.
//
// Read model: incident_count, linked_incidents and latest_incident_date
// are kept from incident-service's change stream by ApplyIncidentChange
// (called by IncidentFollower). They are not part of the etag: the etag
// versions what clients write.
//
// Thread safety: all methods may be called concurrently. Writes (including
// ApplyIncidentChange) are serialised by one mutex held from the reads that
// decide (id taken? domain owned? incidents linked?, on the store's kLatest
// view) to the append of the batch, so two creates claiming one domain
// cannot both win and a delete cannot race a new link. The WAL sync runs
// after the mutex is released, shared by every write appended meanwhile
// (group commit); a write is acknowledged, and visible to reads, only once
// synced.
#ifndef ATLAS_CATALOG_SERVICE_CATALOG_CORE_H_
#define ATLAS_CATALOG_SERVICE_CATALOG_CORE_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "catalog-service/catalog_store.h"
#include "common/api/clock.h"
#include "common/api/countries.h"
#include "common/auth/api_keys.h"
#include "google/protobuf/empty.pb.h"

namespace atlas::catalog {

// The STIX 2.1 industry-sector open vocabulary (industry-sector-ov, STIX 2.1
// section 10.16), the values `Organization.sectors` accepts.
bool IsStixIndustrySector(absl::string_view sector);

class CatalogCore {
 public:
  struct Options {
    // The ISO 3166-1 list to check countries against; null means
    // api::CountryList::Default() (Debian's iso-codes). Not owned.
    const api::CountryList* countries = nullptr;
  };

  // `store` and `clock` (and options.countries) must outlive the core.
  CatalogCore(CatalogStore& store, api::Clock& clock)
      : CatalogCore(store, clock, Options()) {}
  CatalogCore(CatalogStore& store, api::Clock& clock, Options options);

  absl::StatusOr<v1::Organization> GetOrganization(
      const auth::Caller& caller, const v1::GetOrganizationRequest& request);
  // GetOrganization as the serialized Organization the caller may see,
  // served from stored bytes (the server's handler); same errors.
  absl::StatusOr<std::string> GetOrganizationWire(
      const auth::Caller& caller, const v1::GetOrganizationRequest& request);
  absl::StatusOr<v1::BatchGetOrganizationsResponse> BatchGetOrganizations(
      const auth::Caller& caller,
      const v1::BatchGetOrganizationsRequest& request);
  // Filter grammar: see list_filter.h. Pages come from the secondary index
  // of the most selective filter field (parent, then country, sector,
  // organization_type, non_profit); the other comparisons are checked on
  // the records read. Without a filter: the record family (name order) or
  // the create_time index.
  absl::StatusOr<v1::ListOrganizationsResponse> ListOrganizations(
      const auth::Caller& caller, const v1::ListOrganizationsRequest& request);
  absl::StatusOr<v1::Organization> CreateOrganization(
      const auth::Caller& caller, const v1::CreateOrganizationRequest& request);
  absl::StatusOr<v1::Organization> UpdateOrganization(
      const auth::Caller& caller, const v1::UpdateOrganizationRequest& request);
  absl::StatusOr<google::protobuf::Empty> DeleteOrganization(
      const auth::Caller& caller, const v1::DeleteOrganizationRequest& request);
  // Exact and prefix matches are prefix scans of the search index; the
  // substring pass scans every whole name/alias/domain entry (O(all
  // names)), and is skipped when the page is already full of better
  // matches.
  absl::StatusOr<v1::SearchOrganizationsResponse> SearchOrganizations(
      const auth::Caller& caller,
      const v1::SearchOrganizationsRequest& request);
  absl::StatusOr<v1::ResolveOrganizationResponse> ResolveOrganization(
      const auth::Caller& caller,
      const v1::ResolveOrganizationRequest& request);

  // --- Read model (IncidentFollower) ---------------------------------------
  // The sequence of the last applied incident change; 0 if none.
  absl::StatusOr<int64_t> IncidentCursor();
  // Applies one change and stores its sequence as the cursor, in one batch.
  // A change with sequence <= cursor is skipped (OK). OUT_OF_RANGE if
  // sequence > cursor + 1 (a gap: nothing is applied).
  // Waits until the change is synced (AppendIncidentChange + WaitDurable).
  absl::Status ApplyIncidentChange(const incident::v1::IncidentChange& change);
  // Like ApplyIncidentChange but returns once the batch is appended, not
  // synced: readers see it (and a crash may lose it, cursor included, so
  // the follower re-applies it) only after WaitDurable covers the returned
  // token. Lets the follower apply many changes per WAL sync.
  absl::StatusOr<storage::WriteToken> AppendIncidentChange(
      const incident::v1::IncidentChange& change);
  // Returns once every write up to `token` is synced. INTERNAL if the sync
  // fails (every later write fails too; see RocksStore::WaitDurable).
  absl::Status WaitDurable(storage::WriteToken token);

 private:
  // Checks the writable fields of `org` and normalises them in place.
  absl::Status ValidateAndNormalize(v1::Organization* org,
                                    absl::string_view field);
  // ALREADY_EXISTS if a domain of `org` belongs to another organisation
  // than `self_id`. Call with write_mu_ held.
  absl::Status CheckDomains(const v1::Organization& org,
                            absl::string_view self_id, absl::string_view field);
  // INVALID_ARGUMENT if `org.parent` does not exist or would make a cycle
  // with `self_id`. Call with write_mu_ held.
  absl::Status CheckParent(const v1::Organization& org,
                           absl::string_view self_id, absl::string_view field);

  // Group commit. Runs `body` with write_mu_ held (checks on the kLatest
  // view, the batch, its append), releases the lock, then waits until the
  // WAL is synced up to the last write `body` made or could have read, and
  // only then returns its result: no acknowledgement, and no answer
  // derived from unsynced state (ALREADY_EXISTS for a domain, a stale
  // etag), leaves before that state is durable. INTERNAL if the sync fails.
  template <typename T>
  absl::StatusOr<T> Serialized(absl::string_view op,
                               absl::FunctionRef<absl::StatusOr<T>()> body)
      ABSL_LOCKS_EXCLUDED(write_mu_);

  CatalogStore& store_;
  api::Clock& clock_;
  const api::CountryList* countries_;  // null if none could be loaded
  absl::Mutex write_mu_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_CATALOG_CORE_H_
