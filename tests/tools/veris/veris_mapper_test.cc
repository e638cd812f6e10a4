// VerisMapper over the 40 real VCDB records of datasets/vcdb-sample (every
// one maps, and fields of several are checked against their JSON), and
// over hand-made records for the rules a sample does not show.
#include "tools/atlasctl/veris/veris_mapper.h"

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/api/types/countries.h"
#include "common/veris/veris_schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "tools/atlasctl/veris/incident_text.h"
#include "tools/atlasctl/veris/veris_record_reader.h"

namespace atlas::atlasctl::veris {
namespace {

namespace inc = ::atlas::incident::v1;
namespace cat = ::atlas::catalog::v1;
using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

std::string SampleDir() {
  return atlas::testing::SourceDir() + "/datasets/vcdb-sample";
}

ReadRecord ReadOne(const std::string& path) {
  VerisRecordReader reader({path}, {});
  auto item = reader.Next();
  EXPECT_TRUE(item.has_value());
  EXPECT_TRUE(std::holds_alternative<ReadRecord>(*item)) << path;
  return std::get<ReadRecord>(*std::move(item));
}

const api::CountryList& Countries() {
  auto countries = api::CountryList::Default();
  EXPECT_THAT(countries.status(), IsOk());
  return **countries;
}

class VerisMapperTest : public ::testing::Test {
 protected:
  MappedRecord MapSample(const std::string& id) {
    ReadRecord read = ReadOne(absl::StrCat(SampleDir(), "/", id, ".json"));
    absl::StatusOr<MappedRecord> mapped =
        mapper_.Map(read.record, read.content);
    EXPECT_THAT(mapped.status(), IsOk()) << id;
    return mapped.ok() ? *std::move(mapped) : MappedRecord();
  }

  absl::StatusOr<MappedRecord> MapJson(const Json& record) {
    return mapper_.Map(record, record.dump());
  }

  // A small valid record to vary.
  static Json Minimal() {
    return Json::parse(R"({
      "incident_id": "ABC-1", "schema_version": "1.3.7",
      "security_incident": "Confirmed", "summary": "Short.",
      "timeline": {"incident": {"year": 2015, "month": 2, "day": 28}},
      "victim": {"victim_id": "Acme", "country": ["US"],
                 "employee_count": "Unknown", "industry": "000",
                 "government": ["NA"]},
      "action": {"error": {"variety": ["Loss"], "vector": ["Carelessness"]}},
      "actor": {"internal": {"variety": ["End-user"], "motive": ["NA"]}},
      "asset": {"assets": [{"variety": "U - Laptop"}], "cloud": ["Unknown"]},
      "discovery_method": {"unknown": true}
    })");
  }

  VerisMapper mapper_{Countries()};
};

TEST_F(VerisMapperTest, EverySampleRecordMapsWithinTheIncidentLimits) {
  int mapped_count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SampleDir())) {
    if (entry.path().extension() != ".json") continue;
    ReadRecord read = ReadOne(entry.path().string());
    absl::StatusOr<MappedRecord> mapped =
        mapper_.Map(read.record, read.content);
    ASSERT_THAT(mapped.status(), IsOk()) << entry.path();
    ++mapped_count;
    const inc::Incident& incident = mapped->request.incident();
    const std::string veris_id = read.record["incident_id"];
    std::string lower = veris_id;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    EXPECT_EQ(mapped->request.incident_id(), "veris-" + lower);
    ASSERT_THAT(incident.external_references(), SizeIs(1));
    EXPECT_EQ(incident.external_references(0).system(), "veris");
    EXPECT_EQ(incident.external_references(0).id(), veris_id);
    EXPECT_TRUE(incident.external_references(0).url().empty());
    EXPECT_EQ(incident.original_record().format(), "veris");
    EXPECT_EQ(incident.original_record().format_version(),
              read.record["schema_version"].get<std::string>());
    // The original record is the record: same JSON, member order kept.
    EXPECT_EQ(Json::parse(incident.original_record().content()), read.record);
    EXPECT_EQ(incident.original_record().content(), read.content);
    EXPECT_FALSE(incident.title().empty());
    EXPECT_LE(CharCount(incident.title()), kTitleMaxChars);
    EXPECT_LE(CharCount(incident.summary()), kSummaryMaxChars);
    EXPECT_LE(CharCount(incident.description()), kDescriptionMaxChars);
    EXPECT_NE(incident.determination(), inc::DETERMINATION_UNSPECIFIED);
    EXPECT_FALSE(incident.actions().empty()) << entry.path();
    EXPECT_EQ(incident.victim_unknown(), mapped->victims.empty());
    EXPECT_TRUE(incident.victims().empty());  // filled once resolved
  }
  EXPECT_EQ(mapped_count, 40);
}

TEST_F(VerisMapperTest, EverySampleRecordIsValidVeris) {
  auto schema = ::atlas::veris::VerisSchema::Load(atlas::testing::SourceDir() +
                                                  "/datasets/veris");
  ASSERT_THAT(schema.status(), IsOk());
  for (const auto& entry : std::filesystem::directory_iterator(SampleDir())) {
    if (entry.path().extension() != ".json") continue;
    EXPECT_THAT(schema->Validate(ReadOne(entry.path().string()).record),
                IsEmpty())
        << entry.path();
  }
}

// The importer takes what VERIS takes: every case of VERIS's own suite that
// should pass is valid VERIS and maps without a refusal.
TEST_F(VerisMapperTest, EveryPassingVerisValidationCaseMaps) {
  auto schema = ::atlas::veris::VerisSchema::Load(atlas::testing::SourceDir() +
                                                  "/datasets/veris");
  ASSERT_THAT(schema.status(), IsOk());
  int passing = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           atlas::testing::SourceDir() + "/datasets/veris/tests")) {
    if (entry.path().extension() != ".json") continue;
    ReadRecord read = ReadOne(entry.path().string());
    if (StringOf(Member(&read.record, "should")) != "pass") continue;
    ++passing;
    const Json& incident = read.record["incident"];
    EXPECT_THAT(schema->Validate(incident), IsEmpty()) << entry.path();
    EXPECT_THAT(mapper_.Map(incident, incident.dump()).status(), IsOk())
        << entry.path();
  }
  EXPECT_EQ(passing, 26);
}

TEST_F(VerisMapperTest, SutterMedicalFoundation) {
  MappedRecord m = MapSample("002599D4-A872-433B-9980-BD9F257B283F");
  const inc::Incident& i = m.request.incident();
  EXPECT_EQ(i.start_date().year(), 2011);
  EXPECT_EQ(i.start_date().month(), 12);
  EXPECT_EQ(i.start_date().day(), 8);
  // plus.timeline.notification is {}: no disclosure date.
  EXPECT_FALSE(i.has_disclosed_date());
  EXPECT_EQ(i.determination(), inc::CONFIRMED);
  EXPECT_THAT(i.countries(), ElementsAre("US"));
  // Amounts as given, even when the total disagrees with them.
  ASSERT_THAT(i.data_exposure().data(), SizeIs(1));
  EXPECT_EQ(i.data_exposure().data(0).variety(), "Medical");
  EXPECT_EQ(i.data_exposure().data(0).amount(), 4243434);
  EXPECT_EQ(i.data_exposure().total_records(), 943434);
  EXPECT_EQ(i.data_exposure().disclosure(),
            inc::DataExposure::POTENTIALLY_DISCLOSED);
  // "Potentially" is no breach; theft is a physical act.
  EXPECT_THAT(i.incident_types(), ElementsAre(inc::PHYSICAL_ACT));
  // The annotation "(20140202)" is not part of the URL.
  EXPECT_THAT(m.source_urls,
              ElementsAre("http://blog.trendmicro.com/"
                          "sutter-health-sued-for-1-billion-following-data-"
                          "breach/"));
  ASSERT_THAT(i.actions(), SizeIs(1));
  EXPECT_EQ(i.actions(0).category(), inc::VerisAction::PHYSICAL);
  EXPECT_THAT(i.actions(0).varieties(), ElementsAre("Theft"));
  ASSERT_THAT(i.threat_actors(), SizeIs(1));
  EXPECT_EQ(i.threat_actors(0).veris_category(), inc::ThreatActor::EXTERNAL);
  EXPECT_TRUE(i.threat_actors(0).country().empty());  // "Unknown"
  EXPECT_THAT(i.motives(), IsEmpty());                // "Unknown"
  ASSERT_THAT(i.assets(), SizeIs(2));
  EXPECT_EQ(i.assets(0).variety(), "U - Desktop");
  EXPECT_FALSE(i.assets(0).has_amount());
  ASSERT_THAT(i.durations(), SizeIs(1));
  EXPECT_EQ(i.durations(0).phase(), inc::PhaseDuration::DISCOVERY);
  EXPECT_EQ(i.durations(0).unit(), inc::PhaseDuration::MONTHS);
  EXPECT_EQ(i.durations(0).value(), 2);
  ASSERT_THAT(i.discovery_methods(), SizeIs(1));
  EXPECT_EQ(i.discovery_methods(0).category(), inc::Discovery::UNKNOWN);
  // Only "Unknown" said of the impact: no losses.
  EXPECT_FALSE(i.has_losses());
  // VERIS states no impact level: none is set.
  EXPECT_EQ(i.cia_posture().availability().level(),
            inc::IMPACT_LEVEL_UNSPECIFIED);
  EXPECT_EQ(i.cia_posture().availability().note(), "Varieties: Loss.");
  EXPECT_EQ(i.title(), "Sutter Medical Foundation: Physical (Theft)");

  ASSERT_THAT(m.victims, SizeIs(1));
  const cat::Organization& org = m.victims[0].organization;
  EXPECT_EQ(m.victims[0].role, inc::Victim::PRIMARY);
  EXPECT_EQ(m.victims[0].organization_id, "sutter-medical-foundation");
  EXPECT_EQ(org.display_name(), "Sutter Medical Foundation");
  EXPECT_EQ(org.country(), "US");
  EXPECT_EQ(org.locality(), "CA");
  EXPECT_EQ(org.industry_code(), "813410");
  EXPECT_EQ(org.employee_count(), cat::EMPLOYEES_1_TO_10);
  EXPECT_THAT(org.government_levels(), ElementsAre(cat::NOT_GOVERNMENT));
  ASSERT_THAT(org.external_references(), SizeIs(1));
  EXPECT_EQ(org.external_references(0).system(), "veris-victim");
  EXPECT_EQ(org.external_references(0).id(), "Sutter Medical Foundation");
}

TEST_F(VerisMapperTest, AbsentVictimIsUnknownAndAmountsUnknownAreUnset) {
  MappedRecord m = MapSample("00C8C622-32DD-4EA6-94EB-5DCF1037EEAB");
  const inc::Incident& i = m.request.incident();
  EXPECT_TRUE(i.victim_unknown());
  EXPECT_THAT(m.victims, IsEmpty());
  EXPECT_THAT(i.title(), StartsWith("Unknown victim: Misuse"));
  // timeline.incident holds the year only.
  EXPECT_EQ(i.start_date().year(), 2016);
  EXPECT_EQ(i.start_date().month(), 0);
  // The record gives no amount and no total: unknown, not 0.
  ASSERT_THAT(i.data_exposure().data(), SizeIs(1));
  EXPECT_FALSE(i.data_exposure().data(0).has_amount());
  EXPECT_FALSE(i.data_exposure().has_total_records());
  EXPECT_THAT(i.incident_types(),
              ElementsAre(inc::DATA_BREACH, inc::INSIDER_MISUSE));
  EXPECT_THAT(i.motives(), ElementsAre(inc::FINANCIAL));
}

TEST_F(VerisMapperTest, VictimNamedUnknownMakesNoOrganisation) {
  MappedRecord m = MapSample("00CC39F6-D2E0-4FF4-9383-AE3E28922015");
  EXPECT_TRUE(m.request.incident().victim_unknown());
  EXPECT_THAT(m.victims, IsEmpty());
  EXPECT_THAT(m.request.incident().countries(), ElementsAre("GB"));
}

TEST_F(VerisMapperTest, ZeroRecordCountStaysZeroAndOneStaysOne) {
  // data_total 1 with an unknown variety amount.
  MappedRecord m = MapSample("00D1A6FE-C334-4305-936E-86AC47128473");
  EXPECT_EQ(m.request.incident().data_exposure().total_records(), 1);
  EXPECT_FALSE(m.request.incident().data_exposure().data(0).has_amount());
  Json record = Minimal();
  record["attribute"] = Json::parse(
      R"({"confidentiality": {"data_disclosure": "No", "data_total": 0,
          "data": [{"variety": "Personal", "amount": 0}]}})");
  absl::StatusOr<MappedRecord> zero = MapJson(record);
  ASSERT_THAT(zero.status(), IsOk());
  const inc::DataExposure& exposure = zero->request.incident().data_exposure();
  EXPECT_TRUE(exposure.has_total_records());
  EXPECT_EQ(exposure.total_records(), 0);
  EXPECT_TRUE(exposure.data(0).has_amount());
  EXPECT_EQ(exposure.data(0).amount(), 0);
  EXPECT_EQ(exposure.disclosure(), inc::DataExposure::NOT_DISCLOSED);
}

TEST_F(VerisMapperTest, ReferencesAreSplitOnSemicolonsCommasAndSpaces) {
  EXPECT_THAT(
      MapSample("00C84D6A-CDB8-4A5B-A1A6-0D75A65274D7").source_urls,
      ElementsAre("http://robertjgraham.com?p=13819",
                  "http://articles.philly.com/2014-07-18/news/"
                  "51663609_1_data-breach-social-security-numbers-identity-"
                  "theft"));
  EXPECT_THAT(MapSample("0185D70F-AFC9-4354-8C66-0AC8DBD16D28").source_urls,
              SizeIs(3));
  EXPECT_THAT(MapSample("016F24DF-547E-43B0-BBC7-2F44885F8537").source_urls,
              SizeIs(5));
  std::vector<std::string> commas =
      MapSample("0143B312-F58E-4BA0-B20D-4D048F4AC9A4").source_urls;
  ASSERT_THAT(commas, SizeIs(2));
  EXPECT_THAT(commas[0], StartsWith("http://beckershospitalreview.com/"));
}

TEST_F(VerisMapperTest, ReferenceTextThatIsNoUrlGoesToTheDescription) {
  Json record = Minimal();
  record["reference"] =
      "https://WWW.Example.com/a (20140202), http://example.com/a; internal "
      "report";
  absl::StatusOr<MappedRecord> m = MapJson(record);
  ASSERT_THAT(m.status(), IsOk());
  EXPECT_THAT(m->source_urls,
              ElementsAre("https://example.com/a", "http://example.com/a"));
  EXPECT_THAT(m->request.incident().description(),
              HasSubstr("References that are not URLs: internal report"));
}

TEST_F(VerisMapperTest,
       LongSummaryKeepsLeadingSentencesAndAllOfItInDescription) {
  ReadRecord read =
      ReadOne(SampleDir() + "/021E91A0-7159-4675-80CF-E618C2E498FF.json");
  const std::string full = read.record["summary"];
  ASSERT_GT(CharCount(full), kSummaryMaxChars);
  MappedRecord m = MapSample("021E91A0-7159-4675-80CF-E618C2E498FF");
  const inc::Incident& i = m.request.incident();
  EXPECT_LE(CharCount(i.summary()), kSummaryMaxChars);
  EXPECT_GT(CharCount(i.summary()), 1000u);
  EXPECT_TRUE(absl::StartsWith(full, i.summary()));
  EXPECT_EQ(i.summary().back(), '.');
  EXPECT_TRUE(absl::StartsWith(i.description(), CleanText(full)));
}

TEST_F(VerisMapperTest, SecondaryVictimsFollowThePrimary) {
  MappedRecord m = MapSample("016F24DF-547E-43B0-BBC7-2F44885F8537");
  ASSERT_THAT(m.victims, SizeIs(2));
  EXPECT_EQ(m.victims[0].organization.display_name(),
            "National Organization for Marriage");
  EXPECT_EQ(m.victims[1].organization.display_name(),
            "Internal Revenue Service");
  EXPECT_EQ(m.victims[1].role, inc::Victim::SECONDARY);
  EXPECT_EQ(m.victims[1].veris_path, "victim.secondary.victim_id[0]");
  EXPECT_TRUE(m.victims[1].organization.country().empty());
  const inc::Incident& i = m.request.incident();
  EXPECT_EQ(i.disclosed_date().year(), 2015);
  EXPECT_EQ(i.disclosed_date().month(), 3);
  EXPECT_EQ(i.disclosed_date().day(), 30);
  ASSERT_THAT(i.actions(), SizeIs(1));
  EXPECT_EQ(i.actions(0).category(), inc::VerisAction::UNKNOWN);
  EXPECT_THAT(i.incident_types(), ElementsAre(inc::DATA_BREACH));
  EXPECT_THAT(i.description(), HasSubstr("Notes on the secondary victims: "
                                         "transmited confidential documents"));
}

TEST_F(VerisMapperTest, MoveItRecordCarriesActorTargetingAndConfidence) {
  MappedRecord m = MapSample("00CB09E9-7DB2-4A70-90D0-48E674B8F1E1");
  const inc::Incident& i = m.request.incident();
  EXPECT_EQ(i.targeting(), inc::OPPORTUNISTIC);
  EXPECT_EQ(i.confidence(), inc::CONFIDENCE_HIGH);
  ASSERT_THAT(i.threat_actors(), SizeIs(1));
  EXPECT_EQ(i.threat_actors(0).name(), "Cl0p ransomware group");
  EXPECT_EQ(i.threat_actors(0).country(), "RU");
  EXPECT_EQ(i.threat_actors(0).type(), inc::CRIMINAL);
  EXPECT_THAT(i.threat_actors(0).veris_varieties(),
              ElementsAre("Organized crime"));
  EXPECT_THAT(i.incident_types(),
              ElementsAre(inc::RANSOMWARE, inc::MALWARE, inc::DATA_BREACH,
                          inc::WEBSITE_COMPROMISE));
  ASSERT_THAT(i.actions(), SizeIs(2));
  EXPECT_THAT(i.actions(0).results(), ElementsAre("Infiltrate"));
  EXPECT_THAT(i.actions(0).notes(), StartsWith("Exploited software"));
  // A note's leading newline is whitespace, trimmed.
  EXPECT_THAT(i.actions(1).notes(), StartsWith("VERIS 1_3_7"));
  EXPECT_THAT(i.description(),
              HasSubstr("CVE of the hacking action: CVE-2023-34362; "
                        "CVE-2023-35036; CVE-2023-35708"));
  EXPECT_EQ(m.victims[0].organization.employee_count(), cat::EMPLOYEES_LARGE);
}

TEST_F(VerisMapperTest, LossesKeepKnownRatingsAndUnknownUnitsStay) {
  const inc::Incident i =
      MapSample("00EC558C-0CB9-4574-9187-9A483335EF84").request.incident();
  ASSERT_THAT(i.losses().losses(), SizeIs(2));
  EXPECT_EQ(i.losses().losses(0).variety(), "Brand damage");
  EXPECT_EQ(i.losses().losses(0).rating(), "Moderate");
  EXPECT_TRUE(i.losses().overall_rating().empty());  // "Unknown"
  EXPECT_TRUE(i.losses().currency_code().empty());
  ASSERT_THAT(i.durations(), SizeIs(4));
  for (const inc::PhaseDuration& d : i.durations()) {
    EXPECT_EQ(d.unit(), inc::PhaseDuration::UNIT_UNKNOWN);
    EXPECT_FALSE(d.has_value());
  }
  EXPECT_THAT(i.motives(), ElementsAre(inc::IDEOLOGY));
  EXPECT_EQ(i.threat_actors(0).type(), inc::HACKTIVIST);
}

TEST_F(VerisMapperTest, IndustryUnknownIsNoCode) {
  MappedRecord m = MapSample("02558E0B-13F5-4CA7-91AB-F0DCF7222A8D");
  EXPECT_TRUE(m.victims[0].organization.industry_code().empty());  // "000"
  EXPECT_EQ(m.victims[0].organization.country(), "CA");
  EXPECT_TRUE(m.victims[0].organization.locality().empty());
}

TEST_F(VerisMapperTest, DateThatDoesNotExistIsRefusedNamingThePath) {
  Json record = Minimal();
  record["timeline"]["incident"]["month"] = 2;
  record["timeline"]["incident"]["day"] = 30;
  EXPECT_THAT(MapJson(record).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("timeline.incident: ")));
  record = Minimal();
  record["plus"]["timeline"]["notification"] =
      Json::parse(R"({"year": 2015, "month": 4, "day": 31})");
  EXPECT_THAT(MapJson(record).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("plus.timeline.notification: ")));
}

TEST_F(VerisMapperTest, DayWithoutMonthKeepsTheYear) {
  Json record = Minimal();
  record["timeline"]["incident"] = Json::parse(R"({"year": 2014, "day": 5})");
  absl::StatusOr<MappedRecord> m = MapJson(record);
  ASSERT_THAT(m.status(), IsOk());
  EXPECT_EQ(m->request.incident().start_date().year(), 2014);
  EXPECT_EQ(m->request.incident().start_date().day(), 0);
}

TEST_F(VerisMapperTest, RecordWithoutIncidentIdIsRefused) {
  Json record = Minimal();
  record.erase("incident_id");
  EXPECT_THAT(MapJson(record).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("incident_id: ")));
}

TEST_F(VerisMapperTest, RecordTooLargeToKeepIsRefused) {
  Json record = Minimal();
  record["notes"] = std::string(kMaxOriginalRecordBytes, 'n');
  EXPECT_THAT(MapJson(record).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("original record")));
}

TEST_F(VerisMapperTest, NotesAndUnplacedTextGoToLabelledSections) {
  Json record = Minimal();
  record["notes"] = "Top-level note.\r\nSecond line.";
  record["discovery_notes"] = "Found by the auditor.";
  record["victim"]["notes"] = "Victim note.";
  record["control_failure"] = "No encryption.";
  MappedRecord m = *MapJson(record);
  EXPECT_EQ(m.request.incident().summary(), "Short.");
  EXPECT_EQ(m.request.incident().description(),
            "Notes: Top-level note.\nSecond line.\n\n"
            "Notes on the victim: Victim note.\n\n"
            "Notes on the discovery: Found by the auditor.\n\n"
            "Control failure: No encryption.");
}

TEST_F(VerisMapperTest, IncidentIdsThatAreNotPlainGetAHashedSlug) {
  EXPECT_EQ(*VerisMapper::IncidentId("002599D4-A872-433B-9980-BD9F257B283F"),
            "veris-002599d4-a872-433b-9980-bd9f257b283f");
  absl::StatusOr<std::string> odd = VerisMapper::IncidentId("Case #12/2015");
  ASSERT_THAT(odd.status(), IsOk());
  EXPECT_THAT(*odd, StartsWith("veris-case-12-2015-"));
  EXPECT_NE(*odd, *VerisMapper::IncidentId("Case #12 2015"));
  absl::StatusOr<std::string> long_id =
      VerisMapper::IncidentId(std::string(100, 'a'));
  ASSERT_THAT(long_id.status(), IsOk());
  EXPECT_LE(long_id->size(), 63u);
  EXPECT_THAT(VerisMapper::IncidentId("  ").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(OrganizationSlugTest, FoldsAndCuts) {
  EXPECT_EQ(OrganizationSlug("St. Mary's Janesville Hospital"),
            "st-mary-s-janesville-hospital");
  EXPECT_EQ(OrganizationSlug("Mutuelle Générale de la Police"),
            "mutuelle-generale-de-la-police");
  EXPECT_EQ(OrganizationSlug("Łódź Straße Œuvre"), "lodz-strasse-oeuvre");
  EXPECT_EQ(OrganizationSlug("America OnLine (AOL)"), "america-online-aol");
  std::string long_slug = OrganizationSlug(
      "Mangement of Aggressive Behavior Training International, Inc and its "
      "many subsidiaries");
  EXPECT_LE(long_slug.size(), 63u);
  EXPECT_NE(long_slug.back(), '-');
  EXPECT_THAT(OrganizationSlug("東京電力"), StartsWith("org-"));
  EXPECT_EQ(OrganizationSlug("東京電力").size(), 12u);
}

TEST(IncidentTextTest, SummarySplitsAtSentencesAndWordsAsLastResort) {
  std::string sentence(1500, 'a');
  sentence += ". ";
  std::string text = sentence + std::string(1000, 'b') + ".";
  SummarySplit split = SplitSummary(text);
  EXPECT_TRUE(split.shortened);
  EXPECT_EQ(split.summary, std::string(1500, 'a') + ".");
  std::string words;
  while (words.size() < 3000) words += "word ";
  split = SplitSummary(words);
  EXPECT_TRUE(split.shortened);
  EXPECT_LE(CharCount(split.summary), kSummaryMaxChars);
  EXPECT_TRUE(absl::EndsWith(split.summary, "word\xE2\x80\xA6"));
  EXPECT_FALSE(SplitSummary("Fits.").shortened);
}

TEST(IncidentTextTest, TitleCutsAtAWholeAction) {
  std::vector<std::string> actions(20, std::string(40, 'x'));
  std::string title = IncidentTitle("Victim", actions);
  EXPECT_LE(CharCount(title), kTitleMaxChars);
  EXPECT_TRUE(absl::EndsWith(title, "; \xE2\x80\xA6"));
  EXPECT_EQ(IncidentTitle("V", {"Error (Loss)"}), "V: Error (Loss)");
}

}  // namespace
}  // namespace atlas::atlasctl::veris
