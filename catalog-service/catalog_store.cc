#include "catalog-service/catalog_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace atlas::catalog {
namespace {

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("stored ", what, " does not parse"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<CatalogStore>> CatalogStore::Open(
    const std::string& path, bool sync_writes) {
  storage::RocksStore::Options options;
  options.path = path;
  options.column_families = {"organizations", "indexes", "requests",
                             "read_model", "meta"};
  options.sync_writes = sync_writes;
  auto db = storage::RocksStore::Open(std::move(options));
  if (!db.ok()) return db.status();
  return std::make_unique<CatalogStore>(*std::move(db));
}

std::string CatalogStore::DomainKey(absl::string_view domain) {
  return absl::StrCat("domain", absl::string_view("\0", 1), domain);
}

std::string CatalogStore::IdOf(absl::string_view organization_name) {
  absl::string_view id = organization_name;
  absl::ConsumePrefix(&id, "organizations/");
  return std::string(id);
}

absl::StatusOr<v1::Organization> CatalogStore::GetOrganization(
    absl::string_view id) const {
  auto bytes = db_->Get(kOrganizations, id);
  if (!bytes.ok()) return bytes.status();
  v1::Organization org;
  if (!org.ParseFromString(*bytes)) return Corrupt("organization");
  return org;
}

absl::StatusOr<std::vector<std::optional<v1::Organization>>>
CatalogStore::GetOrganizations(const std::vector<std::string>& ids) const {
  std::vector<std::string> values;
  std::vector<bool> found;
  absl::Status s = db_->MultiGet(kOrganizations, ids, &values, &found);
  if (!s.ok()) return s;
  std::vector<std::optional<v1::Organization>> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!found[i]) continue;
    v1::Organization org;
    if (!org.ParseFromString(values[i])) return Corrupt("organization");
    out[i] = std::move(org);
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> CatalogStore::DomainOwner(
    absl::string_view domain) const {
  auto owner = db_->Get(kIndexes, DomainKey(domain));
  if (absl::IsNotFound(owner.status())) return std::optional<std::string>();
  if (!owner.ok()) return owner.status();
  return std::optional<std::string>(*std::move(owner));
}

absl::StatusOr<std::optional<CatalogStore::RequestRecord>>
CatalogStore::GetRequest(absl::string_view request_id) const {
  auto value = db_->Get(kRequests, request_id);
  if (absl::IsNotFound(value.status())) return std::optional<RequestRecord>();
  if (!value.ok()) return value.status();
  if (value->size() < 32) return Corrupt("request record");
  return std::optional<RequestRecord>(
      RequestRecord{value->substr(0, 32), value->substr(32)});
}

void CatalogStore::PutOrganization(const v1::Organization& org,
                                   const v1::Organization* previous,
                                   storage::WriteBatch* batch) {
  std::string id = IdOf(org.name());
  if (previous != nullptr) {
    for (const std::string& d : previous->domains()) {
      batch->Delete(kIndexes, DomainKey(d));
    }
  }
  for (const std::string& d : org.domains()) {
    batch->Put(kIndexes, DomainKey(d), id);
  }
  batch->Put(kOrganizations, id, org.SerializeAsString());
}

void CatalogStore::PutRequest(absl::string_view request_id,
                              const RequestRecord& record,
                              storage::WriteBatch* batch) {
  batch->Put(kRequests, request_id,
             absl::StrCat(record.fingerprint, record.name));
}

}  // namespace atlas::catalog
