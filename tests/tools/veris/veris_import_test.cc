// `atlasctl import --format=veris` end to end: both services in process
// (CatalogHarness, IncidentHarness), the importer writing through their
// public APIs, and the records read back. The VCDB sample imports whole; a
// second run changes nothing; a changed record is reported, and applied
// with --update; bad files among good ones are refused alone.
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/api/types/countries.h"
#include "common/veris/veris_schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"
#include "tools/atlasctl/cli.h"
#include "tools/atlasctl/import_command.h"
#include "tools/atlasctl/veris/source_writer.h"
#include "tools/atlasctl/veris/veris_importer.h"
#include "tools/atlasctl/veris/veris_record_reader.h"

namespace atlas::atlasctl::veris {
namespace {

namespace inc = ::atlas::incident::v1;
namespace cat = ::atlas::catalog::v1;
using ::atlas::testing::CatalogHarness;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IncidentHarness;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::SourceDir;
using ::atlas::testing::StatusIs;
using ::atlas::testing::TempDir;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

constexpr char kSutter[] = "002599D4-A872-433B-9980-BD9F257B283F";
constexpr char kSutterIncident[] =
    "incidents/veris-002599d4-a872-433b-9980-bd9f257b283f";

std::string SampleDir() { return SourceDir() + "/datasets/vcdb-sample"; }
std::string VerisDir() { return SourceDir() + "/datasets/veris"; }
std::string SamplePath(const std::string& id) {
  return absl::StrCat(SampleDir(), "/", id, ".json");
}

Json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

void WriteJson(const std::string& path, const Json& record) {
  std::filesystem::create_directories(
      std::filesystem::path(path).parent_path());
  std::ofstream(path) << record.dump(2);
}

// The last line of `text`.
std::string LastLine(const std::string& text) {
  std::vector<std::string> lines =
      absl::StrSplit(text, '\n', absl::SkipEmpty());
  return lines.empty() ? "" : lines.back();
}

class VerisImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    catalog_stub_ = catalog_.NewStub();
    incident_stub_ = incidents_->NewStub();
    auto schema = ::atlas::veris::VerisSchema::Load(VerisDir());
    ASSERT_THAT(schema.status(), IsOk());
    schema_ = std::make_unique<::atlas::veris::VerisSchema>(*std::move(schema));
    auto countries = api::CountryList::Default();
    ASSERT_THAT(countries.status(), IsOk());
    countries_ = *countries;
  }

  struct Result {
    ImportTally::Counts counts;
    std::string output;
  };

  // One import run, starting at the incident service's (fake) clock.
  Result Import(const std::vector<std::string>& paths, bool update = false) {
    VerisImporter::Options options;
    options.paths = paths;
    options.update = update;
    options.clock = &incidents_->clock();
    options.progress_interval = absl::Hours(1);
    VerisImporter importer(
        *schema_, *countries_, *catalog_stub_, *incident_stub_,
        [] { return ContextWithKey(kEditorKey); }, options);
    std::ostringstream err;
    ImportTally::Counts counts = importer.Run(err);
    // The next run starts later than everything this one created.
    incidents_->clock().Advance(absl::Minutes(1));
    return {counts, err.str()};
  }

  absl::StatusOr<inc::Incident> GetIncident(const std::string& name) {
    inc::GetIncidentRequest request;
    request.set_name(name);
    inc::Incident out;
    ::grpc::Status s = incident_stub_->GetIncident(
        ContextWithKey(kMemberKey).get(), request, &out);
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                          s.error_message());
    }
    return out;
  }

  cat::Organization GetOrganization(const std::string& name) {
    cat::GetOrganizationRequest request;
    request.set_name(name);
    cat::Organization out;
    EXPECT_TRUE(
        catalog_stub_
            ->GetOrganization(ContextWithKey(kMemberKey).get(), request, &out)
            .ok())
        << name;
    return out;
  }

  std::vector<std::string> IncidentsMatching(const std::string& filter) {
    inc::ListIncidentsRequest request;
    request.set_filter(filter);
    request.set_page_size(1000);
    std::vector<std::string> names;
    do {
      inc::ListIncidentsResponse page;
      ::grpc::Status s = incident_stub_->ListIncidents(
          ContextWithKey(kMemberKey).get(), request, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const inc::Incident& i : page.incidents()) names.push_back(i.name());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return names;
  }

  std::vector<std::string> SourceUrls(const std::string& incident) {
    inc::ListSourcesRequest request;
    request.set_parent(incident);
    request.set_page_size(1000);
    inc::ListSourcesResponse page;
    EXPECT_TRUE(
        incident_stub_
            ->ListSources(ContextWithKey(kMemberKey).get(), request, &page)
            .ok());
    std::vector<std::string> urls;
    for (const inc::Source& s : page.sources()) urls.push_back(s.url());
    return urls;
  }

  int OrganizationCount() {
    cat::ListOrganizationsRequest request;
    request.set_page_size(1000);
    int count = 0;
    do {
      cat::ListOrganizationsResponse page;
      EXPECT_TRUE(catalog_stub_
                      ->ListOrganizations(ContextWithKey(kMemberKey).get(),
                                          request, &page)
                      .ok());
      count += page.organizations_size();
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return count;
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<cat::CatalogService::Stub> catalog_stub_;
  std::unique_ptr<inc::IncidentService::Stub> incident_stub_;
  std::unique_ptr<::atlas::veris::VerisSchema> schema_;
  const api::CountryList* countries_ = nullptr;
  TempDir dir_;
};

TEST_F(VerisImportTest, SampleImportsWholeAndReadsBack) {
  Result run = Import({SampleDir()});
  EXPECT_EQ(run.output, "imported 40, unchanged 0, updated 0, refused 0\n");
  EXPECT_EQ(run.counts.imported, 40);

  // Sutter Medical Foundation, against its JSON.
  absl::StatusOr<inc::Incident> sutter = GetIncident(kSutterIncident);
  ASSERT_THAT(sutter.status(), IsOk());
  EXPECT_EQ(sutter->start_date().year(), 2011);
  EXPECT_EQ(sutter->start_date().month(), 12);
  EXPECT_EQ(sutter->start_date().day(), 8);
  EXPECT_EQ(sutter->determination(), inc::CONFIRMED);
  EXPECT_EQ(sutter->data_exposure().data(0).amount(), 4243434);
  EXPECT_EQ(sutter->data_exposure().total_records(), 943434);
  ASSERT_THAT(sutter->victims(), SizeIs(1));
  EXPECT_EQ(sutter->victims(0).organization(),
            "organizations/sutter-medical-foundation");
  ASSERT_THAT(sutter->external_references(), SizeIs(1));
  EXPECT_EQ(sutter->external_references(0).id(), kSutter);
  EXPECT_EQ(sutter->original_record().format(), "veris");
  EXPECT_EQ(sutter->original_record().format_version(), "1.3.6");
  EXPECT_EQ(Json::parse(sutter->original_record().content()),
            ReadJson(SamplePath(kSutter)));
  EXPECT_THAT(SourceUrls(kSutterIncident),
              ElementsAre("http://blog.trendmicro.com/"
                          "sutter-health-sued-for-1-billion-following-data-"
                          "breach/"));
  EXPECT_EQ(sutter->source_count(), 1);

  cat::Organization org =
      GetOrganization("organizations/sutter-medical-foundation");
  EXPECT_EQ(org.display_name(), "Sutter Medical Foundation");
  EXPECT_EQ(org.country(), "US");
  EXPECT_EQ(org.locality(), "CA");
  EXPECT_EQ(org.industry_code(), "813410");
  EXPECT_EQ(org.employee_count(), cat::EMPLOYEES_1_TO_10);
  ASSERT_THAT(org.external_references(), SizeIs(1));
  EXPECT_EQ(org.external_references(0).system(), "veris-victim");

  // Found by its VERIS id.
  EXPECT_THAT(IncidentsMatching(
                  absl::StrCat("external_reference = \"veris:", kSutter, "\"")),
              ElementsAre(kSutterIncident));

  // A victim named "Unknown": no organisation.
  absl::StatusOr<inc::Incident> unknown =
      GetIncident("incidents/veris-00cc39f6-d2e0-4ff4-9383-ae3e28922015");
  ASSERT_THAT(unknown.status(), IsOk());
  EXPECT_TRUE(unknown->victim_unknown());
  EXPECT_THAT(unknown->victims(), IsEmpty());
  EXPECT_THAT(unknown->countries(), ElementsAre("GB"));

  // Two URLs in one reference, two sources.
  EXPECT_THAT(
      SourceUrls("incidents/veris-00c84d6a-cdb8-4a5b-a1a6-0d75a65274d7"),
      SizeIs(2));

  // A secondary victim.
  absl::StatusOr<inc::Incident> marriage =
      GetIncident("incidents/veris-016f24df-547e-43b0-bbc7-2f44885f8537");
  ASSERT_THAT(marriage.status(), IsOk());
  ASSERT_THAT(marriage->victims(), SizeIs(2));
  EXPECT_EQ(marriage->victims(1).role(), inc::Victim::SECONDARY);
  EXPECT_EQ(GetOrganization(marriage->victims(1).organization()).display_name(),
            "Internal Revenue Service");

  // The same victim in three records is one organisation.
  EXPECT_THAT(
      IncidentsMatching("victim = \"organizations/"
                        "united-states-department-of-veterans-affairs\""),
      SizeIs(3));

  // A summary longer than the field: lead in summary, whole in description.
  absl::StatusOr<inc::Incident> alamance =
      GetIncident("incidents/veris-021e91a0-7159-4675-80cf-e618c2e498ff");
  ASSERT_THAT(alamance.status(), IsOk());
  const std::string full =
      ReadJson(SamplePath("021E91A0-7159-4675-80CF-E618C2E498FF"))["summary"];
  EXPECT_LE(alamance->summary().size(), 2000u);
  EXPECT_TRUE(absl::StartsWith(full, alamance->summary()));
  EXPECT_THAT(alamance->description(), HasSubstr(full.substr(2500, 200)));
}

TEST_F(VerisImportTest, SecondImportChangesNothing) {
  ASSERT_EQ(Import({SampleDir()}).counts.imported, 40);
  const int organizations = OrganizationCount();
  absl::StatusOr<inc::Incident> before = GetIncident(kSutterIncident);
  ASSERT_THAT(before.status(), IsOk());

  Result again = Import({SampleDir()});
  EXPECT_EQ(again.output, "imported 0, unchanged 40, updated 0, refused 0\n");
  EXPECT_EQ(OrganizationCount(), organizations);
  absl::StatusOr<inc::Incident> after = GetIncident(kSutterIncident);
  ASSERT_THAT(after.status(), IsOk());
  EXPECT_EQ(after->etag(), before->etag());
  EXPECT_EQ(after->source_count(), 1);
}

TEST_F(VerisImportTest, ChangedRecordIsReportedThenUpdatedWithUpdate) {
  const std::string path = dir_.Sub("in/sutter.json");
  Json record = ReadJson(SamplePath(kSutter));
  WriteJson(path, record);
  ASSERT_EQ(Import({path}).counts.imported, 1);

  record["summary"] = "A laptop was stolen (recoded).";
  record["reference"] = "https://www.example.org/recoded";
  WriteJson(path, record);
  Result changed = Import({path});
  EXPECT_EQ(changed.output,
            absl::StrCat(path, ": changed: ", kSutterIncident,
                         " holds another version of this record (not "
                         "updated; --update applies it)\n",
                         "imported 0, unchanged 1, updated 0, refused 0\n"));
  absl::StatusOr<inc::Incident> kept = GetIncident(kSutterIncident);
  ASSERT_THAT(kept.status(), IsOk());
  EXPECT_THAT(kept->summary(), StartsWith("A group of patients"));

  Result updated = Import({path}, /*update=*/true);
  EXPECT_EQ(updated.output, "imported 0, unchanged 0, updated 1, refused 0\n");
  absl::StatusOr<inc::Incident> now = GetIncident(kSutterIncident);
  ASSERT_THAT(now.status(), IsOk());
  EXPECT_EQ(now->summary(), "A laptop was stolen (recoded).");
  EXPECT_EQ(Json::parse(now->original_record().content()), record);
  // The importer's sources follow the record.
  EXPECT_THAT(SourceUrls(kSutterIncident),
              ElementsAre("https://example.org/recoded"));

  // And the updated record is now the stored one.
  EXPECT_EQ(Import({path}, /*update=*/true).output,
            "imported 0, unchanged 1, updated 0, refused 0\n");
}

TEST_F(VerisImportTest, BadFilesAmongGoodOnesAreRefusedAlone) {
  const std::string dir = dir_.Sub("mixed");
  for (const char* id : {"00C84D6A-CDB8-4A5B-A1A6-0D75A65274D7",
                         "0102AAFF-2BF7-4D60-BDBE-1EC518229307",
                         "02558E0B-13F5-4CA7-91AB-F0DCF7222A8D"}) {
    WriteJson(absl::StrCat(dir, "/good/", id, ".json"),
              ReadJson(SamplePath(id)));
  }
  std::ofstream(dir + "/bad.json") << "{\"incident_id\": ";
  Json invalid = ReadJson(SamplePath(kSutter));
  invalid["incident_id"] = "INVALID-1";
  invalid["action"]["physical"]["variety"] = Json::array({"Teleportation"});
  WriteJson(dir + "/invalid.json", invalid);
  Json no_date = ReadJson(SamplePath(kSutter));
  no_date["incident_id"] = "NO-DATE-1";
  no_date["timeline"]["incident"] =
      Json::parse(R"({"year": 2013, "month": 2, "day": 30})");
  WriteJson(dir + "/no-date.json", no_date);

  Result run = Import({dir});
  EXPECT_EQ(run.counts.imported, 3);
  EXPECT_EQ(run.counts.refused, 3);
  std::vector<std::string> lines =
      absl::StrSplit(run.output, '\n', absl::SkipEmpty());
  ASSERT_THAT(lines, SizeIs(4));
  EXPECT_THAT(lines[0], StartsWith(dir + "/bad.json: $: not JSON: "));
  EXPECT_THAT(lines[1],
              StartsWith(dir + "/invalid.json: action.physical.variety"));
  EXPECT_THAT(lines[1], HasSubstr("Teleportation"));
  // VERIS's own rules refuse the date before the mapper would.
  EXPECT_THAT(lines[2], StartsWith(dir + "/no-date.json: timeline.incident"));
  EXPECT_THAT(lines[2], HasSubstr("2013-02-30"));
  EXPECT_EQ(lines[3], "imported 3, unchanged 0, updated 0, refused 3");
  EXPECT_THAT(GetIncident("incidents/veris-invalid-1").status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(GetIncident("incidents/veris-no-date-1").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(VerisImportTest, RecordTheServerRefusesFailsAloneInItsBatch) {
  // Another incident already holds one record's VERIS reference.
  inc::CreateIncidentRequest other;
  other.set_incident_id("someone-else");
  other.mutable_incident()->set_title("Imported elsewhere");
  other.mutable_incident()->set_victim_unknown(true);
  auto* reference = other.mutable_incident()->add_external_references();
  reference->set_system("veris");
  reference->set_id(kSutter);
  inc::Incident created;
  ASSERT_THAT(incident_stub_->CreateIncident(ContextWithKey(kEditorKey).get(),
                                             other, &created),
              IsOk());

  Result run = Import({SampleDir()});
  EXPECT_EQ(run.counts.imported, 39);
  EXPECT_EQ(run.counts.refused, 1);
  std::vector<std::string> lines =
      absl::StrSplit(run.output, '\n', absl::SkipEmpty());
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_THAT(lines[0], StartsWith(SamplePath(kSutter) + ": incident_id: "));
  EXPECT_THAT(lines[0], HasSubstr("ALREADY_EXISTS"));
  EXPECT_THAT(GetIncident(kSutterIncident).status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(IncidentsMatching(
                  absl::StrCat("external_reference = \"veris:", kSutter, "\"")),
              ElementsAre("incidents/someone-else"));
}

// Every record VERIS's own suite says should pass is stored (with its own
// incident_id, as the cases share one).
TEST_F(VerisImportTest, EveryPassingVerisValidationCaseIsStored) {
  int cases = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(VerisDir() + "/tests")) {
    if (entry.path().extension() != ".json") continue;
    Json test_case = ReadJson(entry.path().string());
    if (test_case["should"] != "pass") continue;
    Json incident = test_case["incident"];
    incident["incident_id"] = absl::StrCat("CASE-", ++cases);
    WriteJson(
        dir_.Sub(absl::StrCat("cases/", entry.path().filename().string())),
        incident);
  }
  Result run = Import({dir_.Sub("cases")});
  EXPECT_EQ(run.output, absl::StrCat("imported ", cases,
                                     ", unchanged 0, updated 0, refused 0\n"));
  EXPECT_EQ(cases, 26);
}

TEST_F(VerisImportTest, JoinedFileFromStandardInput) {
  Json joined = Json::array();
  for (const char* id : {"00C84D6A-CDB8-4A5B-A1A6-0D75A65274D7",
                         "0102AAFF-2BF7-4D60-BDBE-1EC518229307"}) {
    joined.push_back(ReadJson(SamplePath(id)));
  }
  joined.push_back("not a record");
  std::istringstream in(joined.dump());
  VerisImporter::Options options;
  options.paths = {"-"};
  options.standard_input = &in;
  options.clock = &incidents_->clock();
  VerisImporter importer(
      *schema_, *countries_, *catalog_stub_, *incident_stub_,
      [] { return ContextWithKey(kEditorKey); }, options);
  std::ostringstream err;
  ImportTally::Counts counts = importer.Run(err);
  EXPECT_EQ(counts.imported, 2);
  EXPECT_EQ(err.str(),
            "-[#2]: $: not a JSON object but a string\n"
            "imported 2, unchanged 0, updated 0, refused 1\n");
}

TEST_F(VerisImportTest, CommandLineExitsZeroOnlyWhenNothingIsRefused) {
  // atlasctl uses the wall clock: move the servers' past it so that what
  // they create counts as created during the run.
  incidents_->clock().Advance(absl::Now() - incidents_->clock().Now() +
                              absl::Hours(1));
  auto run = [&](std::vector<std::string> args, std::string* err_text,
                 const std::string& veris_dir = VerisDir()) {
    args.insert(args.end(), {"--catalog=" + catalog_.address(),
                             "--incidents=" + incidents_->address(),
                             std::string("--key=") + kEditorKey,
                             "--veris_dir=" + veris_dir});
    std::ostringstream out, err;
    int code = ::atlas::atlasctl::Run(args, ImportCommands(), out, err);
    EXPECT_EQ(out.str(), "");
    *err_text = err.str();
    return code;
  };
  std::string err;
  EXPECT_EQ(run({"import", "--format=veris", SampleDir()}, &err), 0);
  EXPECT_EQ(LastLine(err), "imported 40, unchanged 0, updated 0, refused 0");

  std::ofstream(dir_.Sub("bad.json")) << "[1]";
  EXPECT_EQ(run({"import", "--format=veris", dir_.Sub("bad.json")}, &err), 1);
  EXPECT_EQ(err,
            absl::StrCat(dir_.Sub("bad.json"),
                         "[#0]: $: not a JSON object but a number\n"
                         "imported 0, unchanged 0, updated 0, refused 1\n"));

  EXPECT_EQ(
      run({"import", "--format=veris", SampleDir()}, &err, "/nonexistent"), 1);
  EXPECT_THAT(err, StartsWith("error: FAILED_PRECONDITION: cannot load the "
                              "VERIS schema from /nonexistent"));
  EXPECT_EQ(run({"import", "--format=cef", SampleDir()}, &err), 2);
}

}  // namespace
}  // namespace atlas::atlasctl::veris
