// Fuzzes common/api/aip/resource_name.h.
// Input: the whole text as a name and as an id.
// Contracts:
//  - an id ValidateId accepts is 1..63 of [a-z0-9-], alphanumeric at both
//    ends; everything else is INVALID_ARGUMENT;
//  - ParseName / ParseChildName succeed only for names that re-format to
//    exactly the input from the returned ids, and the ids are valid;
//  - GenerateId's ids are valid ids.
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/api/aip/resource_name.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

bool ExpectedValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return id.front() != '-' && id.back() != '-';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace atlas::api;
  const absl::string_view text = atlas::fuzz::AsText(data, size);

  absl::Status id_status = ValidateId(text, "id");
  FUZZ_CHECK(id_status.ok() == ExpectedValidId(text));
  if (!id_status.ok()) {
    FUZZ_CHECK(id_status.code() == absl::StatusCode::kInvalidArgument);
  }

  absl::StatusOr<std::string> id = ParseName(text, "organizations", "name");
  if (id.ok()) {
    FUZZ_CHECK(ValidateId(*id, "id").ok());
    FUZZ_CHECK(absl::StrCat("organizations/", *id) == text);
  } else {
    FUZZ_CHECK(id.status().code() == absl::StatusCode::kInvalidArgument);
  }

  absl::StatusOr<ChildName> child =
      ParseChildName(text, "incidents", "events", "name");
  if (child.ok()) {
    FUZZ_CHECK(ValidateId(child->parent_id, "id").ok());
    FUZZ_CHECK(ValidateId(child->id, "id").ok());
    FUZZ_CHECK(absl::StrCat("incidents/", child->parent_id, "/events/",
                            child->id) == text);
  } else {
    FUZZ_CHECK(child.status().code() == absl::StatusCode::kInvalidArgument);
  }

  static const bool generated_ok = ValidateId(GenerateId(), "id").ok();
  FUZZ_CHECK(generated_ok);
  return 0;
}
