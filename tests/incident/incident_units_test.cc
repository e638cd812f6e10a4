// Unit tests of incident-service's pure parts: relative date grammar,
// the ListIncidents filter parser, the ATT&CK catalog and derived figures.
#include <string>

#include "common/api/types/relative_date.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "incident-service/attack_catalog.h"
#include "incident-service/derived_figures.h"
#include "incident-service/incident_filter.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::incident {
namespace {

using ::atlas::api::ParseRelativeExpression;
using ::atlas::api::ResolveRelative;
using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::testing::HasSubstr;

absl::CivilDay Resolve(const std::string& text, absl::CivilDay anchor) {
  auto e = ParseRelativeExpression(text, "f");
  EXPECT_THAT(e, IsOk()) << text;
  return e.ok() ? ResolveRelative(*e, anchor) : absl::CivilDay();
}

TEST(RelativeDateTest, ResolvesEveryDocumentedForm) {
  const absl::CivilDay friday(2024, 11, 22);
  EXPECT_EQ(Resolve("today", friday), friday);
  EXPECT_EQ(Resolve("Yesterday", friday), absl::CivilDay(2024, 11, 21));
  EXPECT_EQ(Resolve("the day before  yesterday", friday),
            absl::CivilDay(2024, 11, 20));
  EXPECT_EQ(Resolve("3 days ago", friday), absl::CivilDay(2024, 11, 19));
  EXPECT_EQ(Resolve("two weeks ago", friday), absl::CivilDay(2024, 11, 8));
  EXPECT_EQ(Resolve("1 day ago", friday), absl::CivilDay(2024, 11, 21));
  EXPECT_EQ(Resolve("since Monday of this week", friday),
            absl::CivilDay(2024, 11, 18));
  EXPECT_EQ(Resolve("on Thursday", friday), absl::CivilDay(2024, 11, 21));
  // On or before the anchor; "last" strictly before.
  EXPECT_EQ(Resolve("Friday", friday), friday);
  EXPECT_EQ(Resolve("last Friday", friday), absl::CivilDay(2024, 11, 15));
  EXPECT_EQ(Resolve("last Monday", friday), absl::CivilDay(2024, 11, 18));
  EXPECT_EQ(Resolve("Saturday", friday), absl::CivilDay(2024, 11, 16));
}

TEST(RelativeDateTest, RejectsWhatItCannotRead) {
  for (const char* text :
       {"", "next Monday", "0 days ago", "366 days ago", "eleven days ago",
        "2 day ago", "soon", "Monday week", "on", "since Funday"}) {
    EXPECT_THAT(ParseRelativeExpression(text, "event.relative_date.expression"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("event.relative_date.expression")))
        << text;
  }
}

TEST(IncidentFilterTest, ParsesTermsAndComputesTheDateRange) {
  auto f = ParseIncidentFilter(
      "victim = \"organizations/vooruit\" AND start >= 2024-04 AND start < "
      "2025 "
      "AND motive = FINANCIAL");
  ASSERT_THAT(f, IsOk());
  ASSERT_EQ(f->equalities.size(), 2u);
  EXPECT_EQ(f->equalities[0].value, "vooruit");
  EXPECT_EQ(*f->start.min, absl::CivilDay(2024, 4, 1));
  EXPECT_EQ(*f->start.max, absl::CivilDay(2024, 12, 31));
  EXPECT_THAT(f->members_only_fields, ::testing::ElementsAre("motive"));

  v1::Incident i;
  i.add_victims()->set_organization("organizations/vooruit");
  i.add_motives(v1::FINANCIAL);
  i.mutable_start_date()->set_year(2024);  // overlaps
  EXPECT_TRUE(f->Matches(i));
  i.mutable_start_date()->set_year(2025);
  EXPECT_FALSE(f->Matches(i));
  i.clear_start_date();
  EXPECT_FALSE(f->Matches(i));
}

TEST(IncidentFilterTest, EmptyFilterMatchesEverything) {
  auto f = ParseIncidentFilter("  ");
  ASSERT_THAT(f, IsOk());
  EXPECT_TRUE(f->Matches(v1::Incident()));
}

TEST(IncidentFilterTest, QuotedValuesTakeBackslashEscapes) {
  auto f = ParseIncidentFilter(
      R"(victim = "organizations/vooruit" AND technique = "T1566\.001")");
  ASSERT_THAT(f, IsOk());
  ASSERT_EQ(f->equalities.size(), 2u);
  EXPECT_EQ(f->equalities[1].index, IncidentIndex::kTechnique);
  EXPECT_EQ(f->equalities[1].value, "T1566.001");
  // An escaped quote is part of the value, not its end.
  EXPECT_THAT(ParseIncidentFilter(R"(country = "B\"E")"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("filter: country")));
}

TEST(IncidentFilterTest, ErrorsNameTheFailingTokenAndItsOffset) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ParseIncidentFilter("country = \"BE"),
              StatusIs(kInvalid,
                       "filter: unterminated string starting at offset 10: "
                       "\"BE"));
  EXPECT_THAT(
      ParseIncidentFilter("(country = BE)"),
      StatusIs(kInvalid, "filter: unexpected character \"(\" at offset 0"));
  EXPECT_THAT(ParseIncidentFilter("country = BE OR country = NL"),
              StatusIs(kInvalid, HasSubstr("expected AND, got \"OR\" at "
                                           "offset 13")));
  EXPECT_THAT(ParseIncidentFilter("country == BE"),
              StatusIs(kInvalid, HasSubstr("got \"=\" at offset 9")));
  EXPECT_THAT(ParseIncidentFilter("country ="),
              StatusIs(kInvalid, HasSubstr("got the end of the filter")));
  EXPECT_THAT(
      ParseIncidentFilter("colour = red"),
      StatusIs(kInvalid, HasSubstr("unknown field \"colour\" at offset 0")));
  EXPECT_THAT(ParseIncidentFilter("start != 2024"),
              StatusIs(kInvalid, HasSubstr("start: operator != at offset 6 "
                                           "is not supported")));
  EXPECT_THAT(
      ParseIncidentFilter("country = BE AND"),
      StatusIs(kInvalid, HasSubstr("expected a term after AND at offset 13")));
}

TEST(AttackCatalogTest, IsTechniqueIdChecksTheShapeOnly) {
  for (const char* id : {"T1486", "T1566.001", "T0000", "T9999.999"}) {
    EXPECT_TRUE(AttackCatalog::IsTechniqueId(id)) << id;
  }
  for (const char* id : {"", "T", "1486", "t1486", "T148", "T14860", "TABCD",
                         "T1566.", "T1566.01", "T1566-001", "T1566.0011",
                         "T1566.00a", "T15a6.001", " T1486"}) {
    EXPECT_FALSE(AttackCatalog::IsTechniqueId(id)) << id;
  }
}

TEST(AttackCatalogTest, LoadsThePinnedRelease) {
  auto catalog = AttackCatalog::Load(::atlas::testing::SourceDir() +
                                     "/incident-service/data/attack");
  ASSERT_THAT(catalog, IsOk());
  EXPECT_EQ(catalog->size(), 835u);
  EXPECT_EQ(catalog->release(), "ATT&CK Enterprise v18.1");
  std::string name;
  EXPECT_THAT(catalog->Check("T1566.001", "f", &name), IsOk());
  EXPECT_EQ(name, "Spearphishing Attachment");
  // Deprecated ids are accepted.
  EXPECT_THAT(catalog->Check("T1026", "f", &name), IsOk());
  EXPECT_THAT(
      catalog->Check("T1004", "techniques[0].id", &name),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("techniques[0].id: T1004 (Winlogon Helper DLL) "
                         "was revoked")));
  EXPECT_THAT(AttackCatalog::Load("/nonexistent"),
              StatusIs(absl::StatusCode::kNotFound));
}

v1::TimelineEvent Dated(v1::EventType type, int y, int m, int d) {
  v1::TimelineEvent e;
  e.set_type(type);
  e.mutable_effective_date()->set_year(y);
  e.mutable_effective_date()->set_month(m);
  e.mutable_effective_date()->set_day(d);
  return e;
}

TEST(DerivedFiguresTest, SeventyTwoHoursFollowsTheDocumentedBounds) {
  auto answer = [](int y, int m, int d) {
    return ComputeDerivedFigures(
               {Dated(v1::DETECTION, 2024, 3, 28),
                Dated(v1::REPORTED_TO_DATA_PROTECTION_AUTHORITY, y, m, d)})
        .authority_notified_within_72_hours();
  };
  EXPECT_EQ(answer(2024, 3, 30), v1::DerivedFigures::YES);
  EXPECT_EQ(answer(2024, 3, 31), v1::DerivedFigures::UNKNOWN);
  EXPECT_EQ(answer(2024, 4, 1), v1::DerivedFigures::NO);
  EXPECT_EQ(answer(2024, 3, 0), v1::DerivedFigures::UNKNOWN);
  // The earliest of several reports counts.
  auto f = ComputeDerivedFigures({Dated(v1::DETECTION, 2024, 3, 28),
                                  Dated(v1::REPORTED_TO_POLICE, 2024, 4, 5),
                                  Dated(v1::REPORTED_TO_POLICE, 2024, 3, 29)});
  EXPECT_EQ(f.detection_to_police_report().max_days(), 1);
  EXPECT_FALSE(f.has_detection_to_authority_report());
  EXPECT_EQ(f.authority_notified_within_72_hours(),
            v1::DerivedFigures::UNKNOWN);
  // An unresolved detection leaves every span unset.
  v1::TimelineEvent unresolved;
  unresolved.set_type(v1::DETECTION);
  f = ComputeDerivedFigures({unresolved, Dated(v1::DETECTION, 2024, 3, 28),
                             Dated(v1::REPORTED_TO_POLICE, 2024, 3, 29)});
  EXPECT_FALSE(f.has_detection_to_police_report());
}

}  // namespace
}  // namespace atlas::incident
