// Access control that cannot leak (DESIGN.md section 5), driven by the
// proto descriptors:
//  - every method of CatalogService and IncidentService, as the generated
//    descriptor pool lists them, must have a row in access_table.cc, so a
//    new RPC fails the build's tests until it is classified here;
//  - every read (streams included) is called with every role, through a
//    generic stub, against servers whose records have every members-only
//    field set; each response is walked by reflection, and every field
//    marked `access_tier = MEMBER` must be empty and listed in the enclosing
//    record's `redacted_fields` for a non-member, present for a member;
//  - every write refuses public and member callers with UNAUTHENTICATED /
//    PERMISSION_DENIED before looking at whether its target exists;
//  - filters on members-only fields are PERMISSION_DENIED for the public.
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "atlas/admin/v1/backup_service.grpc.pb.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "atlas/type/v1/access_tier.pb.h"
#include "catalog-service/incident_follower.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/security/access_table.h"
#include "tests/security/raw_call.h"
#include "tests/security/redaction_walker.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/veris_incident.h"

namespace atlas {
namespace {

using ::atlas::testing::CatalogHarness;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IncidentHarness;
using ::atlas::testing::IsOk;
using ::atlas::testing::kAdminKey;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::kServiceKey;
using ::atlas::testing::kUnknownKey;
using ::atlas::testing::RawServerStream;
using ::atlas::testing::RawUnary;
using ::atlas::testing::StatusIs;
using ::atlas::testing::WaitFor;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
namespace cv1 = ::atlas::catalog::v1;
namespace iv1 = ::atlas::incident::v1;
using ::atlas::access_table::AllMethods;
using ::atlas::access_table::AllRoles;
using ::atlas::access_table::Date;
using ::atlas::access_table::IsMembersOnly;
using ::atlas::access_table::kIncident;
using ::atlas::access_table::Kind;
using ::atlas::access_table::kSource;
using ::atlas::access_table::NewMessage;
using ::atlas::access_table::PathOf;
using ::atlas::access_table::RedactedFieldsOf;
using ::atlas::access_table::RoleCase;
using ::atlas::access_table::Table;
using ::atlas::access_table::Walk;
using ::atlas::access_table::WalkStats;

// --- Fixture: both services, seeded ------------------------------------------

class AccessControlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalog_ = new CatalogHarness();
    catalog_->Start();
    incidents_ = new IncidentHarness(catalog_->address());
    incidents_->Start();
    Seed();
  }
  static void TearDownTestSuite() {
    delete incidents_;
    delete catalog_;
    incidents_ = nullptr;
    catalog_ = nullptr;
  }

  static void Seed() {
    auto catalog_stub = catalog_->NewStub();
    for (auto [id, domain] : {std::pair{"vooruit", "vooruit.be"},
                              std::pair{"acme", "acme.example"}}) {
      cv1::CreateOrganizationRequest r;
      r.set_organization_id(id);
      r.mutable_organization()->set_display_name(id);
      r.mutable_organization()->set_country("BE");
      r.mutable_organization()->add_domains(domain);
      cv1::Organization out;
      ASSERT_THAT(catalog_stub->CreateOrganization(
                      ContextWithKey(kEditorKey).get(), r, &out),
                  IsOk());
    }
    auto stub = incidents_->NewStub();
    iv1::CreateIncidentRequest ci;
    ci.set_incident_id("vooruit-2024");
    iv1::Incident* i = ci.mutable_incident();
    i->set_title("Vooruit.brussels website compromised, ransom demanded");
    i->add_victims()->set_organization("organizations/vooruit");
    i->add_victims()->set_organization("organizations/acme");
    i->add_countries("BE");
    *i->mutable_start_date() = Date(2024, 3, 28);
    i->add_motives(iv1::FINANCIAL);
    i->add_techniques()->set_id("T1486");
    iv1::ThreatActor* actor = i->add_threat_actors();
    actor->set_name("LockBit");
    actor->set_type(iv1::CRIMINAL);
    actor->set_country("RU");
    for (iv1::ImpactAssessment* axis :
         {i->mutable_cia_posture()->mutable_confidentiality(),
          i->mutable_cia_posture()->mutable_integrity(),
          i->mutable_cia_posture()->mutable_availability()}) {
      axis->set_level(iv1::HIGH);
      axis->set_note("members-only assessment");
    }
    // The VERIS classification (targeting, actions, data exposure, assets,
    // discovery, durations, losses, original record): members-only too.
    ::atlas::testing::SetEveryVerisField(i);
    iv1::Incident created;
    ASSERT_THAT(
        stub->CreateIncident(ContextWithKey(kEditorKey).get(), ci, &created),
        IsOk());

    iv1::CreateSourceRequest cs;
    cs.set_parent(kIncident);
    cs.set_source_id("brussels-times");
    iv1::Source* s = cs.mutable_source();
    s->set_url("hxxps://www.brusselstimes[.]com/vooruit-hack");
    s->set_title("Vooruit hit by ransomware");
    s->set_publisher("The Brussels Times");
    *s->mutable_published_date() = Date(2024, 4, 2);
    s->set_language("en");
    s->set_kind(iv1::NEWS);
    s->mutable_grade()->set_reliability(type::v1::SourceGrade::RELIABILITY_B);
    s->mutable_grade()->set_credibility(type::v1::SourceGrade::CREDIBILITY_2);
    s->set_excerpt("The party said it would not pay.");
    iv1::Source source;
    ASSERT_THAT(
        stub->CreateSource(ContextWithKey(kEditorKey).get(), cs, &source),
        IsOk());

    iv1::CreateTimelineEventRequest ce;
    ce.set_parent(kIncident);
    ce.set_event_id("detection");
    ce.mutable_event()->set_type(iv1::DETECTION);
    *ce.mutable_event()->mutable_date() = Date(2024, 3, 28);
    ce.mutable_event()->set_description("The party noticed the defacement.");
    ce.mutable_event()->add_sources(kSource);
    iv1::TimelineEvent event;
    ASSERT_THAT(
        stub->CreateTimelineEvent(ContextWithKey(kEditorKey).get(), ce, &event),
        IsOk());
    // A relative date: its expression and anchor are members-only.
    iv1::CreateTimelineEventRequest relative;
    relative.set_parent(kIncident);
    relative.set_event_id("disclosure");
    relative.mutable_event()->set_type(iv1::PUBLIC_DISCLOSURE);
    relative.mutable_event()->mutable_relative_date()->set_expression(
        "yesterday");
    relative.mutable_event()->mutable_relative_date()->set_anchor_source(
        kSource);
    relative.mutable_event()->set_description("The party went public.");
    relative.mutable_event()->add_sources(kSource);
    ASSERT_THAT(stub->CreateTimelineEvent(ContextWithKey(kEditorKey).get(),
                                          relative, &event),
                IsOk());
    ASSERT_EQ(event.relative_date().state(), type::v1::RelativeDate::RESOLVED);

    // linked_incidents is kept from the change stream: follow it until
    // both organisations have their link.
    catalog::IncidentFollower follower(
        catalog_->core().read_model(),
        ::grpc::CreateChannel(incidents_->address(),
                              ::grpc::InsecureChannelCredentials()),
        {.api_key = kServiceKey});
    follower.Start();
    const int64_t changes = incidents_->changelog().next_sequence() - 1;
    ASSERT_TRUE(WaitFor([&] { return follower.applied() >= changes; }));
    follower.Stop();
    // SearchIncidents reads the full-text index: until it holds them.
    ASSERT_TRUE(incidents_->search_indexer().WaitApplied(
        incidents_->changelog().durable_next_sequence(), absl::Seconds(30)));
  }

  static std::shared_ptr<::grpc::Channel> ChannelFor(
      const MethodDescriptor* m) {
    const std::string& address =
        m->service()->full_name() == "atlas.catalog.v1.CatalogService"
            ? catalog_->address()
            : incidents_->address();
    return ::grpc::CreateChannel(address, ::grpc::InsecureChannelCredentials());
  }

  static CatalogHarness* catalog_;
  static IncidentHarness* incidents_;
};

CatalogHarness* AccessControlTest::catalog_ = nullptr;
IncidentHarness* AccessControlTest::incidents_ = nullptr;

// A new RPC must be classified here: read (walked for leaks) or write
// (checked for role-before-existence).
TEST(AccessControlTableTest, EveryMethodOfBothServicesHasARow) {
  std::vector<const MethodDescriptor*> methods = AllMethods();
  ASSERT_GE(methods.size(), 20u);
  std::set<std::string> seen;
  for (const MethodDescriptor* m : methods) {
    seen.insert(m->full_name());
    auto it = Table().find(m->full_name());
    if (it == Table().end()) {
      ADD_FAILURE() << m->full_name()
                    << " has no row in access_table.cc's Table(): add "
                       "a request and classify it as read, stream or write";
      continue;
    }
    std::unique_ptr<Message> request = it->second.request();
    EXPECT_EQ(request->GetDescriptor(), m->input_type()) << m->full_name();
    EXPECT_EQ(it->second.kind == Kind::kStream ||
                  it->second.kind == Kind::kAdminStream,
              m->server_streaming())
        << m->full_name();
    EXPECT_FALSE(m->client_streaming()) << m->full_name();
  }
  for (const auto& [name, row] : Table()) {
    EXPECT_TRUE(seen.contains(name))
        << name << " is in the table but not a method";
  }
}

// Every members-only field reachable from any response sits below a record
// that can list it in redacted_fields (else redaction would clear it
// silently, and a client could not tell "hidden" from "empty").
TEST(AccessControlTableTest, EveryMembersOnlyFieldHasAnEnclosingRecord) {
  int members_only = 0;
  std::function<void(const Descriptor*, bool, std::set<const Descriptor*>&)>
      visit = [&](const Descriptor* d, bool in_record,
                  std::set<const Descriptor*>& path) {
        if (!path.insert(d).second) return;
        in_record = in_record || RedactedFieldsOf(d) != nullptr;
        for (int i = 0; i < d->field_count(); ++i) {
          const FieldDescriptor* f = d->field(i);
          if (IsMembersOnly(f)) {
            ++members_only;
            EXPECT_TRUE(in_record) << f->full_name();
          }
          if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
            visit(f->message_type(), in_record, path);
          }
        }
        path.erase(d);
      };
  for (const MethodDescriptor* m : AllMethods()) {
    std::set<const Descriptor*> path;
    visit(m->output_type(), false, path);
  }
  // Organization.linked_incidents, 12 in Incident (4, and 8 of VERIS),
  // TimelineEvent.sources, 2 in RelativeDate, 8 in Source: a drop means the
  // annotations were lost.
  EXPECT_GE(members_only, 24);
}

TEST_F(AccessControlTest, NoMembersOnlyFieldReachesANonMemberOnAnyRead) {
  int reads = 0;
  for (const MethodDescriptor* m : AllMethods()) {
    auto row = Table().find(m->full_name());
    ASSERT_NE(row, Table().end()) << m->full_name();
    if (row->second.kind == Kind::kWrite ||
        row->second.kind == Kind::kInternal ||
        row->second.kind == Kind::kAdminStream) {
      continue;
    }
    ++reads;
    std::string request;
    ASSERT_TRUE(row->second.request()->SerializeToString(&request));
    for (const RoleCase& role : AllRoles()) {
      const std::string where = absl::StrCat(m->full_name(), " as ", role.name);
      SCOPED_TRACE(where);
      std::vector<std::string> responses;
      ::grpc::Status status;
      if (row->second.kind == Kind::kStream) {
        const size_t changes =
            static_cast<size_t>(incidents_->changelog().next_sequence() - 1);
        auto result = RawServerStream(ChannelFor(m), PathOf(m), request,
                                      role.key, changes);
        status = result.status;
        if (result.cancelled_by_us) status = ::grpc::Status::OK;
        responses = std::move(result.messages);
        if (role.authenticates) {
          EXPECT_EQ(responses.size(), changes) << status.error_message();
        }
      } else {
        auto result = RawUnary(ChannelFor(m), PathOf(m), request, role.key);
        status = result.status;
        if (status.ok()) responses.push_back(std::move(result.response));
      }
      if (!role.authenticates) {
        EXPECT_THAT(status, StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
        EXPECT_THAT(responses, ::testing::IsEmpty());
        continue;
      }
      ASSERT_THAT(status, IsOk());
      ASSERT_FALSE(responses.empty());
      WalkStats stats;
      for (const std::string& bytes : responses) {
        std::unique_ptr<Message> response = NewMessage(m->output_type());
        ASSERT_TRUE(response->ParseFromString(bytes));
        Walk(*response, nullptr, "", role.member, where, &stats);
      }
      // Not vacuous: the response held records with members-only fields.
      EXPECT_GT(stats.records, 0);
      EXPECT_GT(stats.members_only_fields, 0);
    }
  }
  EXPECT_EQ(reads, 14);
}

TEST_F(AccessControlTest, EveryWriteChecksTheRoleBeforeExistence) {
  int writes = 0;
  for (const MethodDescriptor* m : AllMethods()) {
    auto row = Table().find(m->full_name());
    ASSERT_NE(row, Table().end()) << m->full_name();
    if (row->second.kind != Kind::kWrite) continue;
    ++writes;
    SCOPED_TRACE(m->full_name());
    std::string request;
    ASSERT_TRUE(row->second.request()->SerializeToString(&request));
    auto call = [&](const std::string& key) {
      return RawUnary(ChannelFor(m), PathOf(m), request, key).status;
    };
    // The target really is missing: a writer is told so (NOT_FOUND, or
    // INVALID_ARGUMENT naming a missing victim or parent).
    ::grpc::Status editor = call(kEditorKey);
    EXPECT_THAT(editor, ::testing::AnyOf(
                            StatusIs(::grpc::StatusCode::NOT_FOUND),
                            StatusIs(::grpc::StatusCode::INVALID_ARGUMENT,
                                     ::testing::HasSubstr("does-not-exist"))));
    // Callers who may not write learn nothing about existence.
    EXPECT_THAT(call(""), StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
    EXPECT_THAT(call(kUnknownKey),
                StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
    EXPECT_THAT(call(kMemberKey),
                StatusIs(::grpc::StatusCode::PERMISSION_DENIED));
    // An admin writes like an editor; the other service's key writes
    // nothing (least privilege).
    EXPECT_EQ(call(kAdminKey).error_code(), editor.error_code());
    EXPECT_THAT(call(kServiceKey),
                StatusIs(::grpc::StatusCode::PERMISSION_DENIED));
  }
  EXPECT_EQ(writes, 14);
  // Nothing was written by any of them.
  iv1::GetIncidentRequest get;
  get.set_name("incidents/ghost");
  iv1::Incident out;
  EXPECT_THAT(incidents_->NewStub()->GetIncident(
                  ContextWithKey(kMemberKey).get(), get, &out),
              StatusIs(::grpc::StatusCode::NOT_FOUND));
}

// Internal methods answer the other service and admins only; everyone else
// learns nothing (the role is checked before the request is looked at).
TEST_F(AccessControlTest, InternalMethodsAnswerOnlyServiceAndAdminKeys) {
  int internal = 0;
  for (const MethodDescriptor* m : AllMethods()) {
    auto row = Table().find(m->full_name());
    ASSERT_NE(row, Table().end()) << m->full_name();
    if (row->second.kind != Kind::kInternal) continue;
    ++internal;
    SCOPED_TRACE(m->full_name());
    std::string request;
    ASSERT_TRUE(row->second.request()->SerializeToString(&request));
    auto call = [&](const std::string& key) {
      return RawUnary(ChannelFor(m), PathOf(m), request, key).status;
    };
    EXPECT_THAT(call(""), StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
    EXPECT_THAT(call(kUnknownKey),
                StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
    EXPECT_THAT(call(kMemberKey),
                StatusIs(::grpc::StatusCode::PERMISSION_DENIED));
    EXPECT_THAT(call(kEditorKey),
                StatusIs(::grpc::StatusCode::PERMISSION_DENIED));
    EXPECT_THAT(call(kServiceKey), IsOk());
    EXPECT_THAT(call(kAdminKey), IsOk());
  }
  EXPECT_EQ(internal, 1);
}

// Admin streams (backups) open for admin keys only, on both servers;
// every other caller is refused before anything is read or checkpointed.
TEST_F(AccessControlTest, AdminStreamsAnswerOnlyAdminKeys) {
  int admin = 0;
  for (const MethodDescriptor* m : AllMethods()) {
    auto row = Table().find(m->full_name());
    ASSERT_NE(row, Table().end()) << m->full_name();
    if (row->second.kind != Kind::kAdminStream) continue;
    ++admin;
    std::string request;
    ASSERT_TRUE(row->second.request()->SerializeToString(&request));
    for (const std::string& address :
         {catalog_->address(), incidents_->address()}) {
      SCOPED_TRACE(absl::StrCat(m->full_name(), " on ", address));
      auto call = [&](const std::string& key) {
        auto channel = ::grpc::CreateChannel(
            address, ::grpc::InsecureChannelCredentials());
        return RawServerStream(channel, PathOf(m), request, key, 1000000);
      };
      for (const std::string& key : {std::string(), std::string(kUnknownKey)}) {
        auto refused = call(key);
        EXPECT_THAT(refused.status,
                    StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
        EXPECT_THAT(refused.messages, ::testing::IsEmpty());
      }
      for (const char* key : {kMemberKey, kEditorKey, kServiceKey}) {
        auto refused = call(key);
        EXPECT_THAT(refused.status,
                    StatusIs(::grpc::StatusCode::PERMISSION_DENIED))
            << key;
        EXPECT_THAT(refused.messages, ::testing::IsEmpty()) << key;
      }
      auto allowed = call(kAdminKey);
      EXPECT_THAT(allowed.status, IsOk());
      EXPECT_GT(allowed.messages.size(), 3u);
    }
  }
  EXPECT_EQ(admin, 1);
}

TEST_F(AccessControlTest,
       FiltersOnMembersOnlyFieldsArePermissionDeniedForThePublic) {
  auto stub = incidents_->NewStub();
  for (const char* filter : {"motive = FINANCIAL", "technique = \"T1486\"",
                             "threat_actor_type = CRIMINAL",
                             "country = \"BE\" AND motive = FINANCIAL",
                             "technique = T1486 AND start >= 2024-01-01"}) {
    SCOPED_TRACE(filter);
    iv1::ListIncidentsRequest r;
    r.set_filter(filter);
    iv1::ListIncidentsResponse out;
    EXPECT_THAT(stub->ListIncidents(ContextWithKey("").get(), r, &out),
                StatusIs(::grpc::StatusCode::PERMISSION_DENIED));
    EXPECT_EQ(out.incidents_size(), 0);
    EXPECT_THAT(stub->ListIncidents(ContextWithKey(kUnknownKey).get(), r, &out),
                StatusIs(::grpc::StatusCode::UNAUTHENTICATED));
    for (const char* key : {kMemberKey, kEditorKey, kAdminKey, kServiceKey}) {
      iv1::ListIncidentsResponse member;
      EXPECT_THAT(stub->ListIncidents(ContextWithKey(key).get(), r, &member),
                  IsOk());
      EXPECT_EQ(member.incidents_size(), 1) << key;
    }
  }
}

}  // namespace
}  // namespace atlas
