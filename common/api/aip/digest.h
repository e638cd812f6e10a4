// Digests and version tokens: request fingerprints (AIP-155), which hash
// the deterministic serialisation with SHA-256 (equal across processes and
// restarts for equal requests), and etags (AIP-154), which are random.
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

// A new etag for a record being written: 32 hex characters of a random
// 128-bit token, drawn anew for every write. Random, not a digest of the
// record: public callers see the etag of records whose members-only fields
// they do not, and a digest would let them test guesses of those fields
// offline.
std::string NewEtag();

// 32 raw bytes identifying a request's content, to tell a retried request
// from a different one that reuses its request_id.
std::string RequestFingerprint(const google::protobuf::Message& request);

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_AIP_DIGEST_H_
