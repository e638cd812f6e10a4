#include "common/storage/request_records.h"

#include "absl/strings/str_cat.h"

namespace atlas::storage {
namespace {
constexpr size_t kFingerprintBytes = 32;
}  // namespace

absl::StatusOr<std::optional<RequestRecord>> GetRequestRecord(
    const RocksStore& db, int family, absl::string_view request_id,
    ReadView view) {
  auto value = db.Get(family, request_id, view);
  if (absl::IsNotFound(value.status())) return std::optional<RequestRecord>();
  if (!value.ok()) return value.status();
  if (value->size() < kFingerprintBytes) {
    return absl::DataLossError("malformed request record");
  }
  return std::optional<RequestRecord>(RequestRecord{
      value->substr(0, kFingerprintBytes), value->substr(kFingerprintBytes)});
}

void PutRequestRecord(int family, absl::string_view request_id,
                      const RequestRecord& record, WriteBatch* batch) {
  batch->Put(family, request_id, absl::StrCat(record.fingerprint, record.name));
}

absl::StatusOr<std::optional<std::string>> ReplayedName(
    const std::optional<RequestRecord>& previous,
    absl::string_view fingerprint) {
  if (!previous.has_value()) return std::optional<std::string>();
  if (previous->fingerprint != fingerprint) {
    return absl::InvalidArgumentError(
        "request_id: already used for a different request");
  }
  return std::optional<std::string>(previous->name);
}

}  // namespace atlas::storage
