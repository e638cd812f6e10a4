// Fuzzes common/api/types/countries.h.
// Input: the whole text as an iso-codes JSON document.
// Contracts:
//  - CountryList::Parse never crashes on any bytes; errors are DATA_LOSS;
//  - a parsed list is not empty, and Validate accepts exactly the empty
//    value and the two-letter upper-case codes it Contains.
#include <cstdint>

#include "common/api/types/countries.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using atlas::api::CountryList;
  const absl::string_view text = atlas::fuzz::AsText(data, size);
  absl::StatusOr<CountryList> list = CountryList::Parse(text);
  if (!list.ok()) {
    FUZZ_CHECK(list.status().code() == absl::StatusCode::kDataLoss);
    return 0;
  }
  FUZZ_CHECK(list->size() > 0);
  FUZZ_CHECK(list->Validate("", "country").ok());
  for (absl::string_view code :
       {absl::string_view("BE"), text.substr(0, 2), absl::string_view("be")}) {
    absl::Status s = list->Validate(code, "country");
    bool shaped = code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' &&
                  code[1] >= 'A' && code[1] <= 'Z';
    FUZZ_CHECK(s.ok() == (code.empty() || (shaped && list->Contains(code))));
    if (!s.ok()) FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    (void)list->Name(code);
  }
  return 0;
}
