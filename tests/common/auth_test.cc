// Tests of common/auth: the key file, authentication, role checks and the
// descriptor-driven redaction of members-only fields, on the real API
// messages.
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "common/api/aip/digest.h"
#include "common/auth/api_keys.h"
#include "common/auth/redaction.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/members_only_paths.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::auth {
namespace {

using ::atlas::catalog::v1::BatchGetOrganizationsResponse;
using ::atlas::catalog::v1::Organization;
using ::atlas::incident::v1::Incident;
using ::atlas::incident::v1::IncidentChange;
using ::atlas::incident::v1::Source;
using ::atlas::incident::v1::TimelineEvent;
using ::atlas::testing::EqualsProto;
using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::atlas::testing::TempDir;
using ::atlas::testing::TestKeys;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kUnauthenticated =
    absl::StatusCode::kUnauthenticated;
constexpr absl::StatusCode kPermissionDenied =
    absl::StatusCode::kPermissionDenied;

std::string DigestOf(absl::string_view key) {
  return api::HexEncode(api::Sha256(key));
}

// ---------------------------------------------------------------- key file

TEST(KeyRegistryTest, ParsesTheTestKeyFile) {
  auto keys = KeyRegistry::Parse(atlas::testing::TestKeyFileText());
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ(keys->size(), 4u);
}

TEST(KeyRegistryTest, SkipsBlankLinesAndCommentsAndAcceptsCrlf) {
  std::string text =
      absl::StrCat("# header\n\n   \n  # indented comment\r\n", DigestOf("k1"),
                   "  member\talice\r\n", DigestOf("k2"), " editor\n");
  auto keys = KeyRegistry::Parse(text);
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ(keys->size(), 2u);
  auto alice = keys->Authenticate("Bearer k1");
  ASSERT_THAT(alice, IsOk());
  EXPECT_EQ(alice->role, Role::kMember);
  EXPECT_EQ(alice->label, "alice");
}

TEST(KeyRegistryTest, LabelDefaultsToTheLineNumber) {
  auto keys =
      KeyRegistry::Parse(absl::StrCat("# c\n", DigestOf("k"), " admin\n"));
  ASSERT_THAT(keys, IsOk());
  auto caller = keys->Authenticate("Bearer k");
  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->label, "line-2");
}

TEST(KeyRegistryTest, AcceptsUpperCaseHexDigests) {
  std::string digest = DigestOf("k");
  for (char& c : digest) c = static_cast<char>(std::toupper(c));
  auto keys = KeyRegistry::Parse(absl::StrCat(digest, " service svc\n"));
  ASSERT_THAT(keys, IsOk());
  auto caller = keys->Authenticate("Bearer k");
  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->role, Role::kService);
}

TEST(KeyRegistryTest, EmptyTextHasNoKeys) {
  auto keys = KeyRegistry::Parse("");
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ(keys->size(), 0u);
}

TEST(KeyRegistryTest, MalformedDigestNamesTheLine) {
  std::string digest = DigestOf("k");
  for (const std::string& bad :
       {digest.substr(1), digest + "0", absl::StrCat("g", digest.substr(1)),
        std::string("sha256:") + digest}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(KeyRegistry::Parse(absl::StrCat("# c\n\n", bad, " member\n")),
                StatusIs(kInvalid, StartsWith("key file line 3: the digest")));
  }
}

TEST(KeyRegistryTest, UnknownRoleNamesTheLine) {
  for (absl::string_view role : {"public", "owner", "Member", "EDITOR"}) {
    SCOPED_TRACE(role);
    EXPECT_THAT(
        KeyRegistry::Parse(absl::StrCat(DigestOf("a"), " member\n",
                                        DigestOf("b"), " ", role, " x\n")),
        StatusIs(kInvalid, StartsWith("key file line 2: unknown role")));
  }
}

TEST(KeyRegistryTest, DuplicateDigestNamesTheLine) {
  std::string digest = DigestOf("k");
  std::string upper = digest;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_THAT(KeyRegistry::Parse(
                  absl::StrCat(digest, " member a\n", upper, " admin b\n")),
              StatusIs(kInvalid, "key file line 2: duplicate key digest"));
}

TEST(KeyRegistryTest, WrongNumberOfFieldsNamesTheLine) {
  EXPECT_THAT(KeyRegistry::Parse(DigestOf("k")),
              StatusIs(kInvalid, StartsWith("key file line 1: expected")));
  EXPECT_THAT(
      KeyRegistry::Parse(absl::StrCat("\n", DigestOf("k"), " member a b\n")),
      StatusIs(kInvalid, StartsWith("key file line 2: expected")));
}

TEST(KeyRegistryTest, LoadFileReadsAFile) {
  TempDir dir;
  std::string path = dir.Sub("keys.txt");
  {
    std::ofstream out(path);
    out << atlas::testing::TestKeyFileText();
  }
  auto keys = KeyRegistry::LoadFile(path);
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ(keys->size(), 4u);
}

TEST(KeyRegistryTest, LoadFileOfMissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(KeyRegistry::LoadFile(dir.Sub("missing")),
              StatusIs(absl::StatusCode::kNotFound));
}

// ---------------------------------------------------------------- authenticate

TEST(AuthenticateTest, NoHeaderIsPublic) {
  auto caller = TestKeys().Authenticate("");
  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->role, Role::kPublic);
  EXPECT_FALSE(caller->IsMember());
}

TEST(AuthenticateTest, EachTestKeyHasItsRoleAndLabel) {
  const std::vector<std::tuple<const char*, Role, const char*>> cases = {
      {atlas::testing::kMemberKey, Role::kMember, "member-test"},
      {atlas::testing::kEditorKey, Role::kEditor, "editor-test"},
      {atlas::testing::kAdminKey, Role::kAdmin, "admin-test"},
      {atlas::testing::kServiceKey, Role::kService, "service-test"},
  };
  for (const auto& [key, role, label] : cases) {
    SCOPED_TRACE(label);
    auto caller = TestKeys().Authenticate(absl::StrCat("Bearer ", key));
    ASSERT_THAT(caller, IsOk());
    EXPECT_EQ(caller->role, role);
    EXPECT_EQ(caller->label, label);
    EXPECT_TRUE(caller->IsMember());
  }
}

TEST(AuthenticateTest, LowerCaseSchemeAndSurroundingSpacesAreAccepted) {
  auto caller = TestKeys().Authenticate(
      absl::StrCat("bearer ", atlas::testing::kEditorKey));
  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->role, Role::kEditor);
  caller = TestKeys().Authenticate(
      absl::StrCat("Bearer  ", atlas::testing::kEditorKey, " "));
  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->role, Role::kEditor);
}

TEST(AuthenticateTest, MalformedHeaderIsUnauthenticated) {
  for (const std::string& header :
       {std::string(atlas::testing::kMemberKey),
        absl::StrCat("Basic ", atlas::testing::kMemberKey),
        absl::StrCat("Bearer", atlas::testing::kMemberKey),
        std::string("Bearer "), std::string("Bearer    "), std::string(" ")}) {
    SCOPED_TRACE(header);
    auto caller = TestKeys().Authenticate(header);
    EXPECT_THAT(caller,
                StatusIs(kUnauthenticated, StartsWith("authorization: ")));
    EXPECT_THAT(std::string(caller.status().message()),
                Not(HasSubstr(atlas::testing::kMemberKey)));
  }
}

TEST(AuthenticateTest, UnknownKeyIsUnauthenticatedWithoutEchoingIt) {
  auto caller = TestKeys().Authenticate(
      absl::StrCat("Bearer ", atlas::testing::kUnknownKey));
  EXPECT_THAT(caller, StatusIs(kUnauthenticated, HasSubstr("unknown API key")));
  EXPECT_THAT(std::string(caller.status().message()),
              Not(HasSubstr(atlas::testing::kUnknownKey)));
}

TEST(AuthenticateTest, KeyDigestIsNotAKey) {
  // The file holds digests; presenting a digest must not authenticate.
  EXPECT_THAT(TestKeys().Authenticate(
                  absl::StrCat("Bearer ", DigestOf(atlas::testing::kAdminKey))),
              StatusIs(kUnauthenticated));
}

TEST(AuthenticateTest, EmptyRegistryKnowsNoKey) {
  KeyRegistry empty;
  EXPECT_THAT(
      empty.Authenticate(absl::StrCat("Bearer ", atlas::testing::kAdminKey)),
      StatusIs(kUnauthenticated));
  auto caller = empty.Authenticate("");
  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->role, Role::kPublic);
}

// ---------------------------------------------------------------- roles

TEST(RoleTest, NamesAndMembership) {
  EXPECT_EQ(RoleName(Role::kPublic), "public");
  EXPECT_EQ(RoleName(Role::kMember), "member");
  EXPECT_EQ(RoleName(Role::kEditor), "editor");
  EXPECT_EQ(RoleName(Role::kAdmin), "admin");
  EXPECT_EQ(RoleName(Role::kService), "service");
  EXPECT_FALSE((Caller{Role::kPublic, ""}.IsMember()));
  for (Role r : {Role::kMember, Role::kEditor, Role::kAdmin, Role::kService}) {
    EXPECT_TRUE((Caller{r, "x"}.IsMember())) << RoleName(r);
  }
}

struct RoleCase {
  Role caller;
  Role required;
  absl::StatusCode expected;
};

class RequireRoleTest : public ::testing::TestWithParam<RoleCase> {};

TEST_P(RequireRoleTest, AllowsOrRefusesWithTheRightCode) {
  const RoleCase& c = GetParam();
  absl::Status s =
      RequireRole(Caller{c.caller, "label"}, c.required, "CreateIncident");
  EXPECT_EQ(s.code(), c.expected) << s;
  std::string message(s.message());
  if (!s.ok()) {
    EXPECT_THAT(message, StartsWith("CreateIncident needs"));
  }
  if (s.code() == kPermissionDenied) {
    EXPECT_THAT(message, HasSubstr(std::string(RoleName(c.required))));
    EXPECT_THAT(message, HasSubstr(std::string(RoleName(c.caller))));
  }
}

constexpr absl::StatusCode kOk = absl::StatusCode::kOk;

INSTANTIATE_TEST_SUITE_P(
    EveryRole, RequireRoleTest,
    ::testing::Values(
        // Public callers are asked for a key, whatever is needed.
        RoleCase{Role::kPublic, Role::kMember, kUnauthenticated},
        RoleCase{Role::kPublic, Role::kEditor, kUnauthenticated},
        RoleCase{Role::kPublic, Role::kAdmin, kUnauthenticated},
        RoleCase{Role::kMember, Role::kMember, kOk},
        RoleCase{Role::kMember, Role::kEditor, kPermissionDenied},
        RoleCase{Role::kMember, Role::kAdmin, kPermissionDenied},
        RoleCase{Role::kEditor, Role::kMember, kOk},
        RoleCase{Role::kEditor, Role::kEditor, kOk},
        RoleCase{Role::kEditor, Role::kAdmin, kPermissionDenied},
        RoleCase{Role::kAdmin, Role::kMember, kOk},
        RoleCase{Role::kAdmin, Role::kEditor, kOk},
        RoleCase{Role::kAdmin, Role::kAdmin, kOk},
        // Least privilege: a service key reads as a member and calls the
        // internal methods, nothing else; an admin may call those too.
        RoleCase{Role::kService, Role::kMember, kOk},
        RoleCase{Role::kService, Role::kEditor, kPermissionDenied},
        RoleCase{Role::kService, Role::kAdmin, kPermissionDenied},
        RoleCase{Role::kService, Role::kService, kOk},
        RoleCase{Role::kAdmin, Role::kService, kOk},
        RoleCase{Role::kEditor, Role::kService, kPermissionDenied},
        RoleCase{Role::kMember, Role::kService, kPermissionDenied},
        RoleCase{Role::kPublic, Role::kService, kUnauthenticated}),
    [](const ::testing::TestParamInfo<RoleCase>& info) {
      return absl::StrCat(RoleName(info.param.caller), "Needs",
                          RoleName(info.param.required));
    });

// ---------------------------------------------------------------- redaction

Organization FullOrganization(absl::string_view id) {
  Organization org;
  org.set_name(absl::StrCat("organizations/", id));
  org.set_display_name("Vooruit");
  org.add_aliases("sp.a");
  org.set_country("BE");
  org.set_incident_count(2);
  org.add_linked_incidents("incidents/a");
  org.add_linked_incidents("incidents/b");
  org.mutable_latest_incident_date()->set_year(2024);
  org.set_etag("0123456789abcdef");
  return org;
}

Incident FullIncident() {
  Incident incident;
  incident.set_name("incidents/i1");
  incident.set_title("Ransomware at Vooruit");
  incident.add_victims()->set_organization("organizations/vooruit");
  incident.add_countries("BE");
  incident.mutable_start_date()->set_year(2024);
  incident.set_summary("summary");
  auto* cia = incident.mutable_cia_posture();
  cia->mutable_confidentiality()->set_level(
      atlas::incident::v1::ImpactLevel::NONE);
  cia->mutable_confidentiality()->set_note("note");
  incident.add_motives(atlas::incident::v1::FINANCIAL);
  auto* technique = incident.add_techniques();
  technique->set_id("T1486");
  technique->set_name("Data Encrypted for Impact");
  incident.add_threat_actors()->set_name("LockBit");
  incident.add_impacts()->set_description("offline for a week");
  incident.set_motive_count(1);
  incident.set_technique_count(1);
  incident.set_threat_actor_count(1);
  incident.set_etag("etag");
  return incident;
}

// `record` without its members-only fields (and redacted_fields), as a
// public caller should see it apart from the path list.
template <typename Record>
Record PublicPart(Record record) {
  for (const std::string& path : MembersOnlyPaths(Record::descriptor())) {
    const auto* f = Record::descriptor()->FindFieldByName(path);
    record.GetReflection()->ClearField(&record, f);
  }
  record.clear_redacted_fields();
  return record;
}

const Caller kPublic{Role::kPublic, ""};
const Caller kMember{Role::kMember, "member-test"};

TEST(MembersOnlyPathsTest, IncidentHasTwelveMembersOnlyFields) {
  EXPECT_EQ(MembersOnlyPaths(Incident::descriptor()),
            ::atlas::testing::IncidentMembersOnlyPaths());
  EXPECT_EQ(MembersOnlyPaths(Incident::descriptor()).size(), 12u);
}

TEST(MembersOnlyPathsTest, OrganizationHidesLinkedIncidents) {
  EXPECT_THAT(MembersOnlyPaths(Organization::descriptor()),
              ElementsAre("linked_incidents"));
}

TEST(MembersOnlyPathsTest, SourceHidesAllButItsNameAndBookkeeping) {
  EXPECT_THAT(MembersOnlyPaths(Source::descriptor()),
              ElementsAre("url", "title", "publisher", "published_date",
                          "language", "kind", "grade", "excerpt"));
}

TEST(MembersOnlyPathsTest, MessagesWithoutMarkedFieldsHaveNone) {
  EXPECT_THAT(MembersOnlyPaths(IncidentChange::descriptor()), IsEmpty());
  EXPECT_THAT(MembersOnlyPaths(BatchGetOrganizationsResponse::descriptor()),
              IsEmpty());
}

TEST(RedactTest, OrganizationForPublicClearsLinkedIncidents) {
  Organization org = FullOrganization("vooruit");
  Redact(kPublic, &org);
  EXPECT_THAT(org.linked_incidents(), IsEmpty());
  EXPECT_THAT(org.redacted_fields(), ElementsAre("linked_incidents"));
  EXPECT_THAT(PublicPart(org),
              EqualsProto(PublicPart(FullOrganization("vooruit"))));
  EXPECT_EQ(org.display_name(), "Vooruit");
  EXPECT_EQ(org.incident_count(), 2);
}

TEST(RedactTest, PathsAreListedEvenWhenTheFieldIsEmpty) {
  Organization org = FullOrganization("vooruit");
  org.clear_linked_incidents();
  Redact(kPublic, &org);
  EXPECT_THAT(org.redacted_fields(), ElementsAre("linked_incidents"));
  Incident incident;
  incident.set_title("bare");
  Redact(kPublic, &incident);
  EXPECT_THAT(incident.redacted_fields(),
              ::testing::ElementsAreArray(
                  ::atlas::testing::IncidentMembersOnlyPaths()));
}

TEST(RedactTest, IncomingRedactedFieldsAreReplaced) {
  Organization org = FullOrganization("vooruit");
  org.add_redacted_fields("display_name");
  org.add_redacted_fields("linked_incidents");
  Redact(kPublic, &org);
  EXPECT_THAT(org.redacted_fields(), ElementsAre("linked_incidents"));
}

TEST(RedactTest, RedactingTwiceListsEachPathOnce) {
  Incident incident = FullIncident();
  Redact(kPublic, &incident);
  Incident once = incident;
  Redact(kPublic, &incident);
  EXPECT_THAT(incident, EqualsProto(once));
}

TEST(RedactTest, OrganizationForMemberIsIntactWithEmptyRedactedFields) {
  Organization org = FullOrganization("vooruit");
  org.add_redacted_fields("linked_incidents");  // stale
  Redact(kMember, &org);
  EXPECT_THAT(org, EqualsProto(FullOrganization("vooruit")));
  EXPECT_THAT(org.redacted_fields(), IsEmpty());
}

TEST(RedactTest, EveryKeyedRoleGetsTheMemberView) {
  for (Role role :
       {Role::kMember, Role::kEditor, Role::kAdmin, Role::kService}) {
    SCOPED_TRACE(RoleName(role));
    Incident incident = FullIncident();
    Redact(Caller{role, "x"}, &incident);
    EXPECT_THAT(incident, EqualsProto(FullIncident()));
  }
}

TEST(RedactTest, IncidentForPublicClearsMembersOnlyFields) {
  Incident incident = FullIncident();
  Redact(kPublic, &incident);
  EXPECT_FALSE(incident.has_cia_posture());
  EXPECT_THAT(incident.motives(), IsEmpty());
  EXPECT_THAT(incident.techniques(), IsEmpty());
  EXPECT_THAT(incident.threat_actors(), IsEmpty());
  EXPECT_THAT(incident.redacted_fields(),
              ::testing::ElementsAreArray(
                  ::atlas::testing::IncidentMembersOnlyPaths()));
  // Public fields, counts included, stay.
  EXPECT_THAT(PublicPart(incident), EqualsProto(PublicPart(FullIncident())));
  EXPECT_EQ(incident.motive_count(), 1);
  EXPECT_EQ(incident.victims_size(), 1);
  EXPECT_EQ(incident.impacts_size(), 1);
}

TEST(RedactTest, IncidentForMemberIsIntact) {
  Incident incident = FullIncident();
  Redact(kMember, &incident);
  EXPECT_THAT(incident, EqualsProto(FullIncident()));
}

Source FullSource() {
  Source source;
  source.set_name("incidents/i1/sources/s1");
  source.set_url("https://www.brusselstimes.com/x");
  source.set_title("Vooruit hit by ransomware");
  source.set_publisher("The Brussels Times");
  source.mutable_published_date()->set_year(2024);
  source.set_language("en");
  source.set_kind(atlas::incident::v1::NEWS);
  source.mutable_grade()->set_reliability(
      atlas::type::v1::SourceGrade::RELIABILITY_B);
  source.set_excerpt("...");
  source.mutable_create_time()->set_seconds(1700000000);
  source.set_etag("e");
  return source;
}

TEST(RedactTest, SourceForPublicKeepsOnlyNameAndBookkeeping) {
  Source source = FullSource();
  Redact(kPublic, &source);
  Source expected;
  expected.set_name("incidents/i1/sources/s1");
  expected.mutable_create_time()->set_seconds(1700000000);
  expected.set_etag("e");
  for (const char* path : {"url", "title", "publisher", "published_date",
                           "language", "kind", "grade", "excerpt"}) {
    expected.add_redacted_fields(path);
  }
  EXPECT_THAT(source, EqualsProto(expected));
}

TEST(RedactTest, SourceForMemberIsIntact) {
  Source source = FullSource();
  Redact(kMember, &source);
  EXPECT_THAT(source, EqualsProto(FullSource()));
}

TEST(RedactTest, TimelineEventForPublicClearsSources) {
  TimelineEvent event;
  event.set_name("incidents/i1/events/e1");
  event.set_description("claimed on leak site");
  event.add_sources("incidents/i1/sources/s1");
  Redact(kPublic, &event);
  EXPECT_THAT(event.sources(), IsEmpty());
  EXPECT_THAT(event.redacted_fields(), ElementsAre("sources"));
  EXPECT_EQ(event.description(), "claimed on leak site");
}

TEST(RedactTest, BatchResponseRedactsEachOrganization) {
  BatchGetOrganizationsResponse response;
  *response.add_organizations() = FullOrganization("a");
  *response.add_organizations() = FullOrganization("b");
  response.add_organizations()->set_name("organizations/c");
  Redact(kPublic, &response);
  ASSERT_EQ(response.organizations_size(), 3);
  for (const Organization& org : response.organizations()) {
    SCOPED_TRACE(org.name());
    EXPECT_THAT(org.linked_incidents(), IsEmpty());
    EXPECT_THAT(org.redacted_fields(), ElementsAre("linked_incidents"));
  }
  EXPECT_EQ(response.organizations(0).display_name(), "Vooruit");
}

TEST(RedactTest, BatchResponseForMemberIsIntactWithEmptyRedactedFields) {
  BatchGetOrganizationsResponse response;
  *response.add_organizations() = FullOrganization("a");
  *response.add_organizations() = FullOrganization("b");
  BatchGetOrganizationsResponse expected = response;
  response.mutable_organizations(1)->add_redacted_fields("linked_incidents");
  Redact(kMember, &response);
  EXPECT_THAT(response, EqualsProto(expected));
}

TEST(RedactTest, IncidentChangeRedactsTheNestedIncidentWithRelativePaths) {
  IncidentChange change;
  change.set_sequence(7);
  change.set_change_type(IncidentChange::UPDATED);
  *change.mutable_incident() = FullIncident();
  change.add_previous_victims("organizations/old");
  Redact(kPublic, &change);
  EXPECT_EQ(change.sequence(), 7);
  EXPECT_THAT(change.previous_victims(), ElementsAre("organizations/old"));
  const Incident& incident = change.incident();
  EXPECT_FALSE(incident.has_cia_posture());
  EXPECT_THAT(incident.techniques(), IsEmpty());
  EXPECT_THAT(incident.redacted_fields(),
              ::testing::ElementsAreArray(
                  ::atlas::testing::IncidentMembersOnlyPaths()));
  EXPECT_EQ(incident.title(), "Ransomware at Vooruit");
}

TEST(RedactTest, IncidentChangeForMemberIsIntact) {
  IncidentChange change;
  change.set_sequence(7);
  *change.mutable_incident() = FullIncident();
  IncidentChange expected = change;
  change.mutable_incident()->add_redacted_fields("motives");
  Redact(kMember, &change);
  EXPECT_THAT(change, EqualsProto(expected));
}

TEST(RedactTest, RedactForPublicMatchesRedactForPublicCaller) {
  IncidentChange a;
  *a.mutable_incident() = FullIncident();
  IncidentChange b = a;
  RedactForPublic(&a);
  Redact(kPublic, &b);
  EXPECT_THAT(a, EqualsProto(b));
}

}  // namespace
}  // namespace atlas::auth
