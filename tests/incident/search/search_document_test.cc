// SearchDocument: what each tier's document holds (no Xapian database:
// the terms and values of the documents themselves).
#include "incident-service/search/search_document.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atlas::incident::search {
namespace {

using ::testing::Contains;
using ::testing::Not;
using ::testing::Pair;

std::set<std::string> Terms(const Xapian::Document& d) {
  std::set<std::string> terms;
  for (auto it = d.termlist_begin(); it != d.termlist_end(); ++it) {
    terms.insert(*it);
  }
  return terms;
}

IncidentText Seed() {
  IncidentText t;
  v1::Incident& i = t.incident;
  i.set_name("incidents/vooruit-ddos-2024");
  i.set_title("Vooruit website held to ransom");
  i.set_summary("The party refused to pay the attackers.");
  i.add_victims()->set_organization("organizations/vooruit-brussels");
  i.add_countries("BE");
  i.add_incident_types(v1::DDOS);
  i.set_determination(v1::CLAIMED);
  i.add_motives(v1::IDEOLOGY);
  i.mutable_start_date()->set_year(2024);
  i.mutable_start_date()->set_month(4);
  v1::ThreatActor* actor = i.add_threat_actors();
  actor->set_name("NoName057");
  actor->set_type(v1::HACKTIVIST);
  v1::TimelineEvent& e = t.events.emplace_back();
  e.set_description("Website unreachable for two days");
  v1::Source& s = t.sources.emplace_back();
  s.set_title("Cyberaanval op partijwebsite");
  s.set_excerpt("losgeld geëist door de aanvallers");
  return t;
}

TEST(SearchDocumentTest, MembersDocumentHoldsEveryText) {
  Xapian::Document d = BuildSearchDocument(Seed());
  std::set<std::string> terms = Terms(d);
  EXPECT_THAT(terms, Contains("Qvooruit-ddos-2024"));
  EXPECT_THAT(terms, Contains("ransom"));
  EXPECT_THAT(terms, Contains("Sransom"));
  EXPECT_THAT(terms, Contains("XVbrussels"));
  EXPECT_THAT(terms, Contains("XCBE"));
  EXPECT_THAT(terms, Contains("XFcountry:BE"));
  EXPECT_THAT(terms, Contains("XFstart_year:2024"));
  EXPECT_THAT(terms, Contains("noname057"));
  EXPECT_THAT(terms, Contains("losgeld"));
  EXPECT_THAT(terms, Contains("XFmotive:3"));
  EXPECT_EQ(DocumentIncidentId(d), "vooruit-ddos-2024");
  EXPECT_THAT(DocumentFields(d),
              Contains(Pair("sources", ::testing::HasSubstr("losgeld"))));
}

TEST(SearchDocumentTest, PublicDocumentHoldsNoMembersOnlyText) {
  Xapian::Document d = BuildSearchDocument(PublicView(Seed()));
  std::set<std::string> terms = Terms(d);
  EXPECT_THAT(terms, Contains("ransom"));
  EXPECT_THAT(terms, Contains("unreachable"));
  // Threat actors, sources and motives are members-only.
  for (const char* hidden : {"noname057", "losgeld", "cyberaanval",
                             "aanvallers", "XFmotive:3", "XFactor_type:3"}) {
    EXPECT_THAT(terms, Not(Contains(hidden))) << hidden;
  }
  for (const auto& [field, text] : DocumentFields(d)) {
    EXPECT_NE(field, "sources");
    EXPECT_NE(field, "threat_actors");
  }
}

TEST(SearchDocumentTest, StemsInEnglishDutchAndFrench) {
  std::set<std::string> terms = Terms(BuildSearchDocument(Seed()));
  EXPECT_THAT(terms, Contains("Zrefus"));      // English "refused"
  EXPECT_THAT(terms, Contains("Zaanvaller"));  // Dutch "aanvallers"
  EXPECT_THAT(terms, Contains("ZSransom"));    // title prefix kept
}

TEST(SearchDocumentTest, UndatedIncidentsSortLastBothWays) {
  IncidentText t = Seed();
  t.incident.clear_start_date();
  Xapian::Document undated = BuildSearchDocument(t);
  Xapian::Document dated = BuildSearchDocument(Seed());
  EXPECT_GT(undated.get_value(kStartAscending),
            dated.get_value(kStartAscending));
  EXPECT_LT(undated.get_value(kStartDescending),
            dated.get_value(kStartDescending));
  EXPECT_EQ(undated.get_value(kFacetStartYear), "");
  EXPECT_EQ(dated.get_value(kFacetStartYear), "2024");
  EXPECT_EQ(dated.get_value(kFacetTypes), "DDOS");
  EXPECT_EQ(dated.get_value(kFacetDetermination), "CLAIMED");
}

}  // namespace
}  // namespace atlas::incident::search
