// Request records (AIP-155): what makes a create with a request_id happen
// once. Each service keeps them in a column family of its own, keyed by
// request_id, written in the same batch as the create:
//
//   <request_id> -> 32-byte request fingerprint ++ resource name
//
// A retry with the same request_id and the same request answers the
// resource created first; the same request_id with a different request is
// INVALID_ARGUMENT.
#ifndef ATLAS_COMMON_STORAGE_REQUEST_RECORDS_H_
#define ATLAS_COMMON_STORAGE_REQUEST_RECORDS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/rocks_store.h"

namespace atlas::storage {

struct RequestRecord {
  std::string fingerprint;  // api::RequestFingerprint of the request
  std::string name;         // the resource it created
};

// The record of `request_id` in `family`; nullopt if none. DATA_LOSS if
// the stored value is malformed; other codes for storage failures.
absl::StatusOr<std::optional<RequestRecord>> GetRequestRecord(
    const RocksStore& db, int family, absl::string_view request_id,
    ReadView view);
// Adds the record to `batch`.
void PutRequestRecord(int family, absl::string_view request_id,
                      const RequestRecord& record, WriteBatch* batch);

// The name created by an earlier request with the same request_id, given
// its record (`previous`) and this request's fingerprint: nullopt when
// there is none, INVALID_ARGUMENT ("request_id: already used for a
// different request") when the earlier request differs.
absl::StatusOr<std::optional<std::string>> ReplayedName(
    const std::optional<RequestRecord>& previous,
    absl::string_view fingerprint);

}  // namespace atlas::storage

#endif  // ATLAS_COMMON_STORAGE_REQUEST_RECORDS_H_
