// Opaque page tokens (AIP-158).
//
// A token carries the position after the last item served (a storage key
// or any cursor the list method chooses) and a fingerprint of the query it
// was made for (filter, order, parent...). A token presented with another
// query, or one that was altered, is INVALID_ARGUMENT naming `page_token`.
// Tokens are web-safe base64 and are not secret: they only hold keys the
// caller could see.
#ifndef ATLAS_COMMON_API_AIP_PAGE_TOKEN_H_
#define ATLAS_COMMON_API_AIP_PAGE_TOKEN_H_

#include <initializer_list>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace atlas::api {

// Fingerprint of a query, from the strings that define it. Parts are
// length-prefixed, so ("ab","c") and ("a","bc") differ.
std::string QueryFingerprint(std::initializer_list<absl::string_view> parts);

std::string EncodePageToken(absl::string_view query_fingerprint,
                            absl::string_view cursor);

// The cursor of `token`, if it was made for `query_fingerprint`.
absl::StatusOr<std::string> DecodePageToken(
    absl::string_view token, absl::string_view query_fingerprint);

// The page size to serve: 50 for 0, capped at 1000; INVALID_ARGUMENT naming
// `page_size` when negative.
absl::StatusOr<int> EffectivePageSize(int requested);

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_AIP_PAGE_TOKEN_H_
