// CatalogStore: catalog-service's key layout over common/storage.
//
// Column families and keys (ids are [a-z0-9-], so '\0' never occurs in
// them and separates key parts):
//   organizations  <id>                          -> Organization (binary)
//   indexes        domain\0<domain>              -> <id>
//   requests       <request_id>                  -> RequestRecord: 32-byte
//                                                   fingerprint + name
//   read_model     link\0<org id>\0<incident id> -> "" (linked incidents)
//   meta           <key>                         -> value
//
// The store does not enforce business rules; CatalogCore does, holding its
// write lock across the reads that decide and the batch that commits.
#ifndef ATLAS_CATALOG_SERVICE_CATALOG_STORE_H_
#define ATLAS_CATALOG_SERVICE_CATALOG_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "common/storage/rocks_store.h"

namespace atlas::catalog {

class CatalogStore {
 public:
  // Column family indexes, in the order passed to RocksStore::Open.
  enum Family : int {
    kOrganizations = 0,
    kIndexes = 1,
    kRequests = 2,
    kReadModel = 3,
    kMeta = 4,
  };

  // Opens the database at `path`.
  static absl::StatusOr<std::unique_ptr<CatalogStore>> Open(
      const std::string& path, bool sync_writes = true);

  explicit CatalogStore(std::unique_ptr<storage::RocksStore> db)
      : db_(std::move(db)) {}

  // The organisation with `id`; NOT_FOUND if none.
  absl::StatusOr<v1::Organization> GetOrganization(absl::string_view id) const;

  // The organisations with `ids`, in order; nullopt for the missing ones.
  absl::StatusOr<std::vector<std::optional<v1::Organization>>>
  GetOrganizations(const std::vector<std::string>& ids) const;

  // The id of the organisation owning `domain`, if any.
  absl::StatusOr<std::optional<std::string>> DomainOwner(
      absl::string_view domain) const;

  // A stored request record.
  struct RequestRecord {
    std::string fingerprint;
    std::string name;
  };
  absl::StatusOr<std::optional<RequestRecord>> GetRequest(
      absl::string_view request_id) const;

  // Adds to `batch` the writes that store `org` (new or changed), moving
  // its domain index entries from `previous` (null for a new one).
  static void PutOrganization(const v1::Organization& org,
                              const v1::Organization* previous,
                              storage::WriteBatch* batch);
  static void PutRequest(absl::string_view request_id,
                         const RequestRecord& record,
                         storage::WriteBatch* batch);

  absl::Status Commit(const storage::WriteBatch& batch) {
    return db_->Write(batch);
  }

  // Closes the database (see RocksStore::Close).
  absl::Status Close() { return db_->Close(); }

  storage::RocksStore& db() { return *db_; }

  // Key helpers, public for tests.
  static std::string DomainKey(absl::string_view domain);
  static std::string IdOf(absl::string_view organization_name);

 private:
  std::unique_ptr<storage::RocksStore> db_;
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_CATALOG_STORE_H_
