// Issue 12, "the changelog is never trimmed and is public from sequence
// 1": a deleted incident's earlier entries stop carrying its content (in
// the delete's batch), the log keeps a bounded number of entries, and a
// watch from before the oldest kept entry is refused with
// FAILED_PRECONDITION naming start_sequence and the oldest kept sequence.
// Through a real server (and a real catalog for the victim check).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"

namespace atlas {
namespace {

using ::atlas::testing::CatalogHarness;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IncidentHarness;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::kServiceKey;
using ::atlas::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace v1 = ::atlas::incident::v1;

class ChangelogRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_.address());
    incidents_->Start();
    stub_ = incidents_->NewStub();
    auto catalog_stub = catalog_.NewStub();
    for (const char* id : {"acme", "globex", "initech"}) {
      catalog::v1::CreateOrganizationRequest org;
      org.set_organization_id(id);
      org.mutable_organization()->set_display_name(id);
      org.mutable_organization()->set_country("BE");
      catalog::v1::Organization created;
      ASSERT_THAT(catalog_stub->CreateOrganization(
                      ContextWithKey(kEditorKey).get(), org, &created),
                  IsOk());
    }
  }

  void Create(const std::string& id, const std::string& victim,
              const std::string& summary = "") {
    v1::CreateIncidentRequest r;
    r.set_incident_id(id);
    r.mutable_incident()->set_title("Title of " + id);
    r.mutable_incident()->set_summary(summary);
    r.mutable_incident()->add_victims()->set_organization("organizations/" +
                                                          victim);
    v1::Incident out;
    ASSERT_THAT(
        stub_->CreateIncident(ContextWithKey(kEditorKey).get(), r, &out),
        IsOk());
  }
  void SetSummary(const std::string& id, const std::string& summary) {
    v1::UpdateIncidentRequest u;
    u.mutable_incident()->set_name("incidents/" + id);
    u.mutable_incident()->set_summary(summary);
    u.mutable_update_mask()->add_paths("summary");
    v1::Incident out;
    ASSERT_THAT(
        stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &out),
        IsOk());
  }
  void MoveTo(const std::string& id, const std::string& victim) {
    v1::UpdateIncidentRequest u;
    u.mutable_incident()->set_name("incidents/" + id);
    u.mutable_incident()->add_victims()->set_organization("organizations/" +
                                                          victim);
    u.mutable_update_mask()->add_paths("victims");
    v1::Incident out;
    ASSERT_THAT(
        stub_->UpdateIncident(ContextWithKey(kEditorKey).get(), u, &out),
        IsOk());
  }
  void Delete(const std::string& id) {
    v1::DeleteIncidentRequest d;
    d.set_name("incidents/" + id);
    google::protobuf::Empty empty;
    ASSERT_THAT(
        stub_->DeleteIncident(ContextWithKey(kEditorKey).get(), d, &empty),
        IsOk());
  }

  // Up to `count` changes from `start` for `key`, and the status the stream
  // ended with (OK when `count` were read and the call was cancelled).
  ::grpc::Status Watch(int64_t start, size_t count, const std::string& key,
                       std::vector<v1::IncidentChange>* out) {
    auto ctx = ContextWithKey(key);
    v1::WatchIncidentChangesRequest r;
    r.set_start_sequence(start);
    auto reader = stub_->WatchIncidentChanges(ctx.get(), r);
    v1::IncidentChange c;
    while (out->size() < count && reader->Read(&c)) out->push_back(c);
    if (out->size() == count) {
      ctx->TryCancel();
      reader->Finish();
      return ::grpc::Status::OK;
    }
    return reader->Finish();
  }

  CatalogHarness catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::unique_ptr<v1::IncidentService::Stub> stub_;
};

// The suspicion as filed: a deleted incident's summary (and its earlier
// public values) stayed readable from a public watch from sequence 1.
TEST_F(ChangelogRetentionTest, DeletedIncidentsContentIsNotServedByWatch) {
  Create("gone", "acme", "first public summary");     // 1
  SetSummary("gone", "second public summary");        // 2
  MoveTo("gone", "globex");                           // 3
  Create("kept", "initech", "a summary that stays");  // 4
  Delete("gone");                                     // 5
  for (const std::string& key :
       {std::string(""), std::string(kMemberKey), std::string(kServiceKey)}) {
    SCOPED_TRACE(key.empty() ? "public" : key);
    std::vector<v1::IncidentChange> changes;
    ASSERT_THAT(Watch(1, 5, key, &changes), IsOk());
    ASSERT_EQ(changes.size(), 5u);
    for (int i : {0, 1, 2}) {
      const v1::IncidentChange& c = changes[i];
      EXPECT_EQ(c.sequence(), i + 1);
      EXPECT_EQ(c.incident().name(), "incidents/gone");
      EXPECT_EQ(c.incident().summary(), "");
      EXPECT_EQ(c.incident().title(), "");
      EXPECT_EQ(c.incident().victims_size(), 0);
      EXPECT_EQ(c.previous_victims_size(), 0);
      // Nothing but name, type, sequence and commit time (public answers
      // list the members-only fields in redacted_fields, as for any
      // change), and the changelog's generation (every change served).
      EXPECT_EQ(c.changelog_generation(), incidents_->changelog().generation());
      v1::IncidentChange seen = c;
      seen.clear_changelog_generation();
      seen.mutable_incident()->clear_redacted_fields();
      v1::IncidentChange bare;
      bare.set_sequence(c.sequence());
      bare.set_change_type(c.change_type());
      *bare.mutable_commit_time() = c.commit_time();
      bare.mutable_incident()->set_name(c.incident().name());
      EXPECT_EQ(seen.SerializeAsString(), bare.SerializeAsString());
    }
    EXPECT_EQ(changes[0].change_type(), v1::IncidentChange::CREATED);
    EXPECT_EQ(changes[2].change_type(), v1::IncidentChange::UPDATED);
    // Another incident keeps its content.
    EXPECT_EQ(changes[3].incident().summary(), "a summary that stays");
    // DELETED: the name, the last victims, and every victim a kept entry
    // named (what a follower needs to unlink), nothing else.
    const v1::IncidentChange& d = changes[4];
    EXPECT_EQ(d.change_type(), v1::IncidentChange::DELETED);
    EXPECT_EQ(d.incident().name(), "incidents/gone");
    EXPECT_EQ(d.incident().summary(), "");
    EXPECT_EQ(d.incident().title(), "");
    ASSERT_EQ(d.incident().victims_size(), 1);
    EXPECT_EQ(d.incident().victims(0).organization(), "organizations/globex");
    EXPECT_THAT(d.previous_victims(),
                ElementsAre("organizations/globex", "organizations/acme"));
  }
}

TEST_F(ChangelogRetentionTest, LogKeepsTheNewestRetentionEntries) {
  incidents_->changelog().set_retention_entries(3);
  for (int i = 0; i < 6; ++i) Create(absl::StrCat("i", i), "acme");
  // Sequences 1..6; the newest 3 are kept.
  EXPECT_EQ(incidents_->changelog().first_kept_sequence(), 4);
  std::vector<v1::IncidentChange> changes;
  ASSERT_THAT(Watch(0, 3, "", &changes), IsOk());
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].sequence(), 4);
  EXPECT_EQ(changes[2].sequence(), 6);
  // Kept across a restart (the retention is the server's option again).
  incidents_->Stop();
  incidents_->Start();
  stub_ = incidents_->NewStub();
  EXPECT_EQ(incidents_->changelog().first_kept_sequence(), 4);
  changes.clear();
  ASSERT_THAT(Watch(0, 1, "", &changes), IsOk());
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].sequence(), 4);
}

TEST_F(ChangelogRetentionTest, WatchFromATrimmedSequenceIsFailedPrecondition) {
  incidents_->changelog().set_retention_entries(2);
  for (int i = 0; i < 5; ++i) Create(absl::StrCat("i", i), "acme");
  ASSERT_EQ(incidents_->changelog().first_kept_sequence(), 4);
  for (int64_t start : {1, 3}) {
    for (const std::string& key : {std::string(""), std::string(kServiceKey)}) {
      std::vector<v1::IncidentChange> changes;
      EXPECT_THAT(
          Watch(start, 1, key, &changes),
          StatusIs(absl::StatusCode::kFailedPrecondition,
                   HasSubstr(absl::StrCat("start_sequence: ", start,
                                          " is older than the oldest change "
                                          "kept (4)"))));
      EXPECT_TRUE(changes.empty());
    }
  }
  // From the oldest kept, and beyond the end, as before.
  std::vector<v1::IncidentChange> changes;
  ASSERT_THAT(Watch(4, 2, kServiceKey, &changes), IsOk());
  EXPECT_EQ(changes[0].sequence(), 4);
  changes.clear();
  EXPECT_THAT(Watch(7, 1, kServiceKey, &changes),
              StatusIs(absl::StatusCode::kOutOfRange));
}

// A reader whose next entry is trimmed while it reads (core level: the
// stream reads through Changelog::ReadChanges) gets the same error, never
// a silent gap.
TEST_F(ChangelogRetentionTest, ReadingATrimmedEntryIsFailedPrecondition) {
  for (int i = 0; i < 4; ++i) Create(absl::StrCat("i", i), "acme");
  incident::Changelog& log = incidents_->changelog();
  std::deque<v1::IncidentChange> out;
  ASSERT_THAT(log.ReadChanges(2, 10, &out), IsOk());
  EXPECT_EQ(out.front().sequence(), 2);
  log.set_retention_entries(1);
  Create("i4", "acme");  // trims 1..4 (its count plus the slack)
  EXPECT_EQ(log.first_kept_sequence(), 5);
  out.clear();
  EXPECT_THAT(log.ReadChanges(2, 10, &out),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("start_sequence: 2")));
  EXPECT_TRUE(out.empty());
  // The trimmed entries are gone from storage, not only hidden.
  EXPECT_THAT(incidents_->store().GetChange(2),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ChangelogRetentionTest, ARetentionBelowOneIsRefusedAtOpen) {
  EXPECT_THAT(incident::Changelog::Open(incidents_->store(), 0),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("changelog_retention_entries")));
}

// A deleted incident's entries that were trimmed are not rewritten (no
// entry resurrected below the oldest kept), and the listing goes with them.
TEST_F(ChangelogRetentionTest, DeleteAfterTrimLeavesNoEntryBelowTheOldest) {
  Create("old", "acme");    // 1
  SetSummary("old", "s1");  // 2
  incidents_->changelog().set_retention_entries(2);
  Create("a", "globex");  // 3: trims 1
  ASSERT_EQ(incidents_->changelog().first_kept_sequence(), 2);
  Create("b", "globex");  // 4: trims 2 (the summary's entry)
  ASSERT_EQ(incidents_->changelog().first_kept_sequence(), 3);
  Delete("old");  // 5: trims 3
  EXPECT_THAT(incidents_->store().GetChange(2),
              StatusIs(absl::StatusCode::kNotFound));
  auto listed = incidents_->store().ChangeSequencesOf("old");
  ASSERT_THAT(listed.status(), IsOk());
  EXPECT_TRUE(listed->empty());
  std::vector<v1::IncidentChange> changes;
  ASSERT_THAT(Watch(0, 2, kServiceKey, &changes), IsOk());
  EXPECT_EQ(changes[1].change_type(), v1::IncidentChange::DELETED);
  EXPECT_THAT(changes[1].previous_victims(), ElementsAre("organizations/acme"));
}

// A database written before per-incident listings existed: its first Open
// lists the entries of incidents that exist and scrubs those of incidents
// already deleted (UpgradeChangelog).
TEST_F(ChangelogRetentionTest, EntriesWrittenBeforeListingsAreScrubbedAtOpen) {
  Create("gone", "acme", "old summary");  // 1
  MoveTo("gone", "globex");               // 2
  Create("kept", "initech", "stays");     // 3
  // Make the log look as an older build left it: no listings, no marker.
  incident::IncidentStore& store = incidents_->store();
  storage::WriteBatch legacy;
  incident::IncidentStore::UnlistChange(1, "gone", &legacy);
  incident::IncidentStore::UnlistChange(2, "gone", &legacy);
  incident::IncidentStore::UnlistChange(3, "kept", &legacy);
  legacy.Delete(incident::IncidentStore::kMeta, "changelog_listed");
  auto token = store.Append(legacy);
  ASSERT_THAT(token.status(), IsOk());
  ASSERT_THAT(store.db().WaitDurable(*token), IsOk());
  Delete("gone");  // 4: nothing listed, so nothing scrubbed yet
  std::vector<v1::IncidentChange> changes;
  ASSERT_THAT(Watch(1, 1, "", &changes), IsOk());
  ASSERT_EQ(changes[0].incident().summary(), "old summary");

  incidents_->Stop();
  incidents_->Start();
  stub_ = incidents_->NewStub();
  changes.clear();
  ASSERT_THAT(Watch(1, 4, "", &changes), IsOk());
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].incident().summary(), "");
  EXPECT_EQ(changes[0].incident().victims_size(), 0);
  EXPECT_EQ(changes[1].incident().victims_size(), 0);
  EXPECT_EQ(changes[1].previous_victims_size(), 0);
  EXPECT_EQ(changes[2].incident().summary(), "stays");
  EXPECT_THAT(changes[3].previous_victims(),
              ElementsAre("organizations/globex", "organizations/acme"));
  auto kept = incidents_->store().ChangeSequencesOf("kept");
  ASSERT_THAT(kept.status(), IsOk());
  EXPECT_THAT(*kept, ElementsAre(3));
  // The incident that exists is listed again: its delete scrubs it.
  Delete("kept");
  changes.clear();
  ASSERT_THAT(Watch(3, 1, "", &changes), IsOk());
  EXPECT_EQ(changes[0].incident().summary(), "");
}

// One unreadable entry must not make every later delete (which scrubs it)
// or write (which trims it) fail.
TEST_F(ChangelogRetentionTest, AnUnreadableEntryBlocksNoWrite) {
  Create("gone", "acme", "s");  // 1
  Create("x", "acme");          // 2
  incident::IncidentStore& store = incidents_->store();
  storage::WriteBatch corrupt;
  corrupt.Put(incident::IncidentStore::kChangelog,
              incident::IncidentStore::SequenceKey(1),
              std::string("\x0a\xff", 2));
  auto token = store.Append(corrupt);
  ASSERT_THAT(token.status(), IsOk());
  ASSERT_THAT(store.db().WaitDurable(*token), IsOk());
  ASSERT_THAT(store.GetChange(1), StatusIs(absl::StatusCode::kDataLoss));
  Delete("gone");  // 3
  std::vector<v1::IncidentChange> changes;
  ASSERT_THAT(Watch(1, 1, kServiceKey, &changes), IsOk());
  EXPECT_EQ(changes[0].change_type(), v1::IncidentChange::UPDATED);
  EXPECT_EQ(changes[0].incident().name(), "incidents/gone");
  ASSERT_THAT(store.ChangeSequencesOf("gone").status(), IsOk());
  // Corrupt it again; a trim goes past it.
  token = store.Append(corrupt);
  ASSERT_THAT(token.status(), IsOk());
  ASSERT_THAT(store.db().WaitDurable(*token), IsOk());
  incidents_->changelog().set_retention_entries(1);
  Create("y", "acme");  // 4: trims 1..3
  EXPECT_EQ(incidents_->changelog().first_kept_sequence(), 4);
  EXPECT_THAT(store.GetChange(1), StatusIs(absl::StatusCode::kNotFound));
}

// The option at the server's level: refused at start, cleanly (a Start
// that failed part-way used to crash in the server's destructor).
TEST(ChangelogRetentionOptionTest, ARetentionBelowOneFailsStart) {
  testing::TempDir temp;
  auto attack = incident::AttackCatalog::Load(testing::SourceDir() +
                                              "/incident-service/data/attack");
  ASSERT_THAT(attack.status(), IsOk());
  incident::IncidentServer::Options options;
  options.db_path = temp.Sub("incidents");
  options.serving.listen_address = "127.0.0.1:0";
  options.veris_dir = testing::SourceDir() + "/datasets/veris";
  options.changelog_retention_entries = 0;
  incident::IncidentServer::Collaborators collaborators;
  collaborators.attack = &*attack;
  EXPECT_THAT(incident::IncidentServer::Start(options, collaborators).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("changelog_retention_entries: must be at "
                                 "least 1, got 0")));
}

// The changelog's generation: drawn once, kept across restarts, carried by
// every change; a watch naming another one is refused (a subscriber whose
// cursor belongs to another history: a restore from a backup).
TEST_F(ChangelogRetentionTest, GenerationIsStableAndCheckedByWatch) {
  Create("a", "acme", "a summary");
  const std::string generation = incidents_->changelog().generation();
  EXPECT_EQ(generation.size(), 32u);
  incidents_->Stop();
  incidents_->Start();
  stub_ = incidents_->NewStub();
  EXPECT_EQ(incidents_->changelog().generation(), generation);
  auto watch = [&](const std::string& asked, v1::IncidentChange* first) {
    auto ctx = ContextWithKey(kMemberKey);
    v1::WatchIncidentChangesRequest r;
    r.set_start_sequence(1);
    r.set_changelog_generation(asked);
    auto reader = stub_->WatchIncidentChanges(ctx.get(), r);
    if (reader->Read(first)) {
      ctx->TryCancel();
      reader->Finish();
      return ::grpc::Status::OK;
    }
    return reader->Finish();
  };
  v1::IncidentChange change;
  ASSERT_THAT(watch(generation, &change), IsOk());
  EXPECT_EQ(change.changelog_generation(), generation);
  EXPECT_THAT(watch("0123456789abcdef0123456789abcdef", &change),
              StatusIs(::grpc::StatusCode::FAILED_PRECONDITION,
                       ::testing::HasSubstr("restored from a backup")));
}

}  // namespace
}  // namespace atlas
