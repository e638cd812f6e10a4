// Stable digests of protobuf messages: etags (AIP-154) and request
// fingerprints (AIP-155). Both hash the deterministic serialisation with
// SHA-256, so they are equal across processes and restarts for equal
// messages.
#ifndef ATLAS_COMMON_API_AIP_DIGEST_H_
#define ATLAS_COMMON_API_AIP_DIGEST_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace atlas::api {

// Raw 32-byte SHA-256 of `data`.
std::string Sha256(absl::string_view data);

// Lower-case hex of `bytes`.
std::string HexEncode(absl::string_view bytes);

// Deterministic serialisation of `message` (map order fixed).
std::string DeterministicBytes(const google::protobuf::Message& message);

// An opaque etag for a stored record: 16 hex characters of the SHA-256 of
// its deterministic serialisation. Callers clear the etag field before
// computing.
std::string ComputeEtag(const google::protobuf::Message& record);

// 32 raw bytes identifying a request's content, to tell a retried request
// from a different one that reuses its request_id.
std::string RequestFingerprint(const google::protobuf::Message& request);

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_AIP_DIGEST_H_
