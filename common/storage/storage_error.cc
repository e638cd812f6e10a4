#include "common/storage/storage_error.h"

#include "absl/strings/str_cat.h"
#include "common/logging/log.h"

namespace atlas::storage {

absl::Status StorageError(const absl::Status& s, absl::string_view op) {
  log::Error("storage failure", {{"op", op}, {"status", s.ToString()}});
  return absl::Status(s.code() == absl::StatusCode::kUnavailable
                          ? absl::StatusCode::kUnavailable
                          : absl::StatusCode::kInternal,
                      absl::StrCat(op, ": storage error"));
}

}  // namespace atlas::storage
