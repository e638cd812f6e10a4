// CatalogCore: the catalog's domain rules for reading and writing
// organisations, over CatalogStore, and the facade CatalogServiceImpl calls.
//
// It owns the catalog's one write path, a GroupCommitWriter over the store,
// shared by its creates, updates and deletes and by the IncidentReadModel
// (read_model()), and the OrganizationValidator (field rules) and
// OrganizationSearch (Search, Resolve) it hands requests to.
//
// Speaks protos and absl::Status; never gRPC. Writes check the caller's
// role first, before any other check, so a caller without rights learns
// nothing about what exists: UNAUTHENTICATED for a public caller,
// PERMISSION_DENIED for a member (see auth::RequireRole). Reads are open to
// every caller; a public caller gets the redacted view
// (common/auth/redaction.h). A rejected request changes nothing stored.
// INTERNAL or UNAVAILABLE report a storage failure (logged in full; the
// caller sees the operation only; UNAVAILABLE where RocksDB says retry, see
// common/storage/storage_error.h). INVALID_ARGUMENT messages name the field
// and the rule.
//
// Consistency: a write reads what it decides on (id taken? domain owned?
// external reference held? etag current? incidents linked?) on the store's
// kLatest view and appends its batch under the writer's mutex, so two
// creates claiming one domain or one external reference cannot both win
// and a delete cannot race a new link. The WAL sync runs after the mutex
// is released, shared by every write appended meanwhile (group commit); a
// write is acknowledged, and visible to reads (which use the durable
// view), only once synced.
//
// Thread safety: all methods may be called concurrently.
#ifndef ATLAS_CATALOG_SERVICE_CATALOG_CORE_H_
#define ATLAS_CATALOG_SERVICE_CATALOG_CORE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "catalog-service/catalog_store.h"
#include "catalog-service/deletion_fence.h"
#include "catalog-service/incident_read_model.h"
#include "catalog-service/incident_references.h"
#include "catalog-service/list_filter.h"
#include "catalog-service/organization_checks.h"
#include "catalog-service/organization_creator.h"
#include "catalog-service/organization_search.h"
#include "catalog-service/organization_validator.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/auth/api_keys.h"
#include "common/storage/group_commit_writer.h"
#include "google/protobuf/empty.pb.h"

namespace atlas::catalog {

class CatalogCore {
 public:
  // `store`, `clock`, `countries` (the ISO 3166-1 list countries are
  // checked against) and `references` (how deletes ask incident-service;
  // null: deletes decide on the read model, for a catalog that follows no
  // incident-service) must outlive the core.
  CatalogCore(CatalogStore& store, api::Clock& clock,
              const api::CountryList& countries,
              IncidentReferences* references = nullptr);

  CatalogCore(const CatalogCore&) = delete;
  CatalogCore& operator=(const CatalogCore&) = delete;

  // The organisation `request.name` names, read model merged in.
  // INVALID_ARGUMENT for a malformed name; NOT_FOUND if there is none.
  absl::StatusOr<v1::Organization> GetOrganization(
      const auth::Caller& caller, const v1::GetOrganizationRequest& request);
  // GetOrganization as the serialized Organization the caller may see,
  // served from stored bytes (the server's raw handler); same errors.
  absl::StatusOr<std::string> GetOrganizationWire(
      const auth::Caller& caller, const v1::GetOrganizationRequest& request);
  // The organisations named, in the order asked. INVALID_ARGUMENT for no
  // name, more than 1000 or a malformed one (names[i]); NOT_FOUND naming the
  // first missing organisation. An organisation whose delete is being
  // decided counts as missing ("... is being deleted"): this is
  // incident-service's victim check.
  absl::StatusOr<v1::BatchGetOrganizationsResponse> BatchGetOrganizations(
      const auth::Caller& caller,
      const v1::BatchGetOrganizationsRequest& request);
  // Filter grammar: see list_filter.h. Pages come from the secondary index
  // of the filter field whose value has the fewest entries (the store's
  // index counts, never served; ties: as written; a count of 0 answers an
  // empty page); the other comparisons are checked on the records read.
  // Without a filter: the record family (name order) or the create_time
  // index. At most kListScanBudget entries are examined per call; then the
  // page holds what matched so far and a next_page_token resuming after
  // the last entry examined. `stats`, when set, receives what the call
  // did. INVALID_ARGUMENT for a malformed filter (the
  // message names the failing token), an unknown country or sector, an
  // order_by other than "name" or "create_time desc", a negative page_size,
  // or a page_token made for another query.
  absl::StatusOr<v1::ListOrganizationsResponse> ListOrganizations(
      const auth::Caller& caller, const v1::ListOrganizationsRequest& request,
      ListScanStats* stats = nullptr);
  // Creates the organisation (EDITOR or above), with organization_id or a
  // generated id. INVALID_ARGUMENT for a malformed request_id or
  // organization_id, a missing organization, a field the validator refuses,
  // a parent that does not exist, or a request_id already used for a
  // different request; ALREADY_EXISTS if the id is taken or another
  // organisation owns one of its domains or holds one of its external
  // references (the message names the owner). The
  // same request_id with the same request answers the organisation created
  // first, as it is now (NOT_FOUND if it was deleted since).
  absl::StatusOr<v1::Organization> CreateOrganization(
      const auth::Caller& caller,
      const v1::CreateOrganizationRequest& request) {
    return creator_.CreateOrganization(caller, request);
  }
  // See OrganizationCreator.
  absl::StatusOr<v1::BatchCreateOrganizationsResponse> BatchCreateOrganizations(
      const auth::Caller& caller,
      const v1::BatchCreateOrganizationsRequest& request) {
    return creator_.BatchCreateOrganizations(caller, request);
  }
  // Replaces the fields of update_mask ("*": every writable field; EDITOR
  // or above). INVALID_ARGUMENT for a malformed name, an empty mask, an
  // unknown or output-only path, a refused field, or a parent that does not
  // exist or would make a cycle; NOT_FOUND; ABORTED for a stale etag;
  // ALREADY_EXISTS for a domain another organisation owns or an external
  // reference another organisation holds. References the update drops are
  // released in the same batch.
  absl::StatusOr<v1::Organization> UpdateOrganization(
      const auth::Caller& caller, const v1::UpdateOrganizationRequest& request);
  // Deletes the organisation (EDITOR or above) with its whole read model
  // and index entries (its domains and external references are free
  // again).
  // INVALID_ARGUMENT for a malformed name; NOT_FOUND; ABORTED for a stale
  // etag or while another delete of it runs; FAILED_PRECONDITION while
  // incidents name it as a victim or it is the parent of another
  // organisation; UNAVAILABLE (nothing deleted) when incident-service
  // cannot answer.
  //
  // Whether incidents name it is decided on incident-service's records,
  // not on the read model (which lags): the organisation is fenced
  // (DeletionFence: victim checks now refuse it), `references` is asked
  // (it waits for writes that were allowed to name it before the fence),
  // and only then is the record deleted, under the writer's mutex with
  // the usual re-checks. Without `references`, the read model decides.
  absl::StatusOr<google::protobuf::Empty> DeleteOrganization(
      const auth::Caller& caller, const v1::DeleteOrganizationRequest& request);

  // See OrganizationSearch.
  absl::StatusOr<v1::SearchOrganizationsResponse> SearchOrganizations(
      const auth::Caller& caller,
      const v1::SearchOrganizationsRequest& request) {
    return search_.Search(caller, request);
  }
  absl::StatusOr<v1::ResolveOrganizationResponse> ResolveOrganization(
      const auth::Caller& caller,
      const v1::ResolveOrganizationRequest& request) {
    return search_.Resolve(caller, request);
  }
  // Most queries in one BatchResolveOrganizations.
  static constexpr int kMaxBatchResolve = 1000;
  // Each query as ResolveOrganization; a miss answers an empty response in
  // its place. INVALID_ARGUMENT for no query, more than kMaxBatchResolve,
  // or an invalid one (prefixed "requests[i].").
  absl::StatusOr<v1::BatchResolveOrganizationsResponse>
  BatchResolveOrganizations(
      const auth::Caller& caller,
      const v1::BatchResolveOrganizationsRequest& request);

  // The read model kept from incident-service's change stream
  // (IncidentFollower applies changes to it), written through this core's
  // writer.
  IncidentReadModel& read_model() { return read_model_; }
  // See IncidentReadModel (for tools and tests that hold the core).
  absl::Status ApplyIncidentChange(const incident::v1::IncidentChange& change) {
    return read_model_.ApplyIncidentChange(change);
  }
  absl::StatusOr<int64_t> IncidentCursor() {
    return read_model_.IncidentCursor();
  }

 private:
  CatalogStore& store_;
  api::Clock& clock_;
  storage::GroupCommitWriter writer_;
  const OrganizationValidator validator_;
  const OrganizationChecks checks_;
  OrganizationCreator creator_;
  IncidentReadModel read_model_;
  const OrganizationSearch search_;
  IncidentReferences* const references_;
  DeletionFence deleting_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_CATALOG_CORE_H_
