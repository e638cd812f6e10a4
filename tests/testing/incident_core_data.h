// The reference data incident-service's core-level tests build an
// IncidentCore with: the pinned ATT&CK release from the source tree, and a
// two-country list (BE, FR). Loaded once per test binary.
#ifndef ATLAS_TESTS_TESTING_INCIDENT_CORE_DATA_H_
#define ATLAS_TESTS_TESTING_INCIDENT_CORE_DATA_H_

#include <utility>

#include "common/api/types/countries.h"
#include "gtest/gtest.h"
#include "incident-service/attack_catalog.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::testing {

inline const incident::AttackCatalog& PinnedAttackCatalog() {
  static const incident::AttackCatalog* attack = [] {
    auto loaded = incident::AttackCatalog::Load(
        SourceDir() + "/incident-service/data/attack");
    EXPECT_THAT(loaded.status(), IsOk());
    return new incident::AttackCatalog(*std::move(loaded));
  }();
  return *attack;
}

inline const api::CountryList& BelgiumAndFrance() {
  static const api::CountryList* countries = [] {
    auto parsed = api::CountryList::Parse(
        R"({"3166-1": [{"alpha_2": "BE", "name": "Belgium"},
                       {"alpha_2": "FR", "name": "France"}]})");
    EXPECT_THAT(parsed.status(), IsOk());
    return new api::CountryList(*std::move(parsed));
  }();
  return *countries;
}

}  // namespace atlas::testing

#endif  // ATLAS_TESTS_TESTING_INCIDENT_CORE_DATA_H_
