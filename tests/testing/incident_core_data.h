// The reference data incident-service's core-level tests build an
// IncidentCore with: the pinned ATT&CK release and the VERIS enumerations
// from the source tree, and a two-country list (BE, FR). Loaded once per
// test binary.
#ifndef ATLAS_TESTS_TESTING_INCIDENT_CORE_DATA_H_
#define ATLAS_TESTS_TESTING_INCIDENT_CORE_DATA_H_

#include <utility>

#include "common/api/types/countries.h"
#include "common/veris/veris_vocabulary.h"
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

// datasets/veris/verisc-enum.json of the source tree.
inline const veris::VerisVocabulary& PinnedVerisVocabulary() {
  static const veris::VerisVocabulary* vocabulary = [] {
    auto loaded = veris::VerisVocabulary::Load(SourceDir() + "/datasets/veris");
    EXPECT_THAT(loaded.status(), IsOk());
    return new veris::VerisVocabulary(*std::move(loaded));
  }();
  return *vocabulary;
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
