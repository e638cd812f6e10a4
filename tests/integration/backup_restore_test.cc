// Issue 18 part 4, the restore drill: both services (real servers on
// 127.0.0.1:0, RocksDB in temp dirs) take writes from several threads while
// `atlasctl admin backup` (run in-process) backs each up at a different
// moment; each pair of backups is restored into fresh directories and
// started. Every write acknowledged before a backup began is in it, and the
// catalog's read model converges with the restored incident-service:
//   - catalog backup newer than the incident backup: the catalog's cursor is
//     ahead of the restored changelog, whose next writes reuse sequences the
//     catalog already applied;
//   - catalog backup older: its cursor is behind.
// In both the restored incident-service has a new changelog generation, so
// the follower resynchronises. A cursor ahead within one generation (a
// database copied back by other means) resynchronises too (OUT_OF_RANGE).
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "catalog-service/catalog_server.h"
#include "common/api/types/countries.h"
#include "common/storage/backup_archive.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"
#include "tools/atlasctl/admin_command.h"
#include "tools/atlasctl/cli.h"

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
using ::atlas::testing::StatusIs;
using ::atlas::testing::TempDir;
using ::atlas::testing::WaitFor;
using ::testing::HasSubstr;
namespace cv1 = ::atlas::catalog::v1;
namespace iv1 = ::atlas::incident::v1;

constexpr int kOrganizations = 8;
std::string Org(int i) { return absl::StrCat("org-", i % kOrganizations); }

// The write threads' acknowledged creates, in acknowledgement order.
class Acked {
 public:
  void Add(std::string name) {
    absl::MutexLock lock(&mu_);
    names_.push_back(std::move(name));
  }
  std::vector<std::string> Snapshot() {
    absl::MutexLock lock(&mu_);
    return names_;
  }
  size_t size() {
    absl::MutexLock lock(&mu_);
    return names_.size();
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> names_ ABSL_GUARDED_BY(mu_);
};

iv1::CreateIncidentRequest NewIncident(const std::string& id, int n) {
  iv1::CreateIncidentRequest r;
  r.set_incident_id(id);
  iv1::Incident* inc = r.mutable_incident();
  inc->set_title(absl::StrCat("Incident ", id));
  inc->add_victims()->set_organization("organizations/" + Org(n));
  if (n % 3 == 0) {
    inc->add_victims()->set_organization("organizations/" + Org(n + 1));
  }
  inc->mutable_start_date()->set_year(2020 + n % 5);
  return r;
}

// incident_count per organisation, from incident-service's own records.
std::map<std::string, int> Truth(IncidentHarness& incidents) {
  std::map<std::string, int> truth;
  for (int i = 0; i < kOrganizations; ++i) truth[Org(i)] = 0;
  auto stub = incidents.NewStub();
  iv1::ListIncidentsRequest r;
  r.set_page_size(1000);
  do {
    iv1::ListIncidentsResponse page;
    EXPECT_THAT(stub->ListIncidents(ContextWithKey(kMemberKey).get(), r, &page),
                IsOk());
    for (const iv1::Incident& inc : page.incidents()) {
      for (const iv1::Victim& v : inc.victims()) {
        ++truth[v.organization().substr(sizeof("organizations"))];
      }
    }
    r.set_page_token(page.next_page_token());
  } while (!r.page_token().empty());
  return truth;
}

// incident_count per organisation, as the catalog serves it.
std::map<std::string, int> CatalogView(CatalogHarness& catalog) {
  std::map<std::string, int> view;
  auto stub = catalog.NewStub();
  for (int i = 0; i < kOrganizations; ++i) {
    cv1::GetOrganizationRequest r;
    r.set_name("organizations/" + Org(i));
    cv1::Organization org;
    EXPECT_THAT(
        stub->GetOrganization(ContextWithKey(kMemberKey).get(), r, &org),
        IsOk());
    view[Org(i)] = org.incident_count();
  }
  return view;
}

class BackupRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_ = std::make_unique<CatalogHarness>();
    catalog_->Start();
    incidents_ = std::make_unique<IncidentHarness>(catalog_->address());
    incidents_->Start();
    catalog_->Stop();
    catalog_->set_incident_service(incidents_->address(), kServiceKey);
    catalog_->Start();
    auto stub = catalog_->NewStub();
    for (int i = 0; i < kOrganizations; ++i) {
      ASSERT_THAT(CreateOrganization(*stub, Org(i)), IsOk());
    }
  }

  void TearDown() override { StopWriters(); }

  static ::grpc::Status CreateOrganization(cv1::CatalogService::Stub& stub,
                                           const std::string& id) {
    cv1::CreateOrganizationRequest r;
    r.set_organization_id(id);
    r.mutable_organization()->set_display_name(id);
    r.mutable_organization()->set_country("BE");
    cv1::Organization out;
    return stub.CreateOrganization(ContextWithKey(kEditorKey).get(), r, &out);
  }

  // Two threads create incidents (and move some victims), one creates
  // organisations, until StopWriters.
  void StartWriters() {
    for (int t = 0; t < 2; ++t) {
      writers_.emplace_back([this, t] {
        auto stub = incidents_->NewStub();
        for (int n = 0; !stop_.load(); ++n) {
          const std::string id = absl::StrCat("w", t, "-", n);
          iv1::Incident out;
          if (stub->CreateIncident(ContextWithKey(kEditorKey).get(),
                                   NewIncident(id, n + t), &out)
                  .ok()) {
            incidents_acked_.Add("incidents/" + id);
          }
          if (n % 5 == 4) {  // an update: previous_victims in the stream
            iv1::UpdateIncidentRequest u;
            u.mutable_incident()->set_name(
                absl::StrCat("incidents/w", t, "-", n - 2));
            u.mutable_incident()->add_victims()->set_organization(
                "organizations/" + Org(n + 5));
            u.mutable_update_mask()->add_paths("victims");
            (void)stub->UpdateIncident(ContextWithKey(kEditorKey).get(), u,
                                       &out);
          }
        }
      });
    }
    writers_.emplace_back([this] {
      auto stub = catalog_->NewStub();
      for (int n = 0; !stop_.load(); ++n) {
        const std::string id = absl::StrCat("late-", n);
        if (CreateOrganization(*stub, id).ok()) {
          orgs_acked_.Add("organizations/" + id);
        }
      }
    });
  }

  void StopWriters() {
    stop_.store(true);
    for (std::thread& t : writers_) t.join();
    writers_.clear();
  }

  // `atlasctl admin backup`, in-process, against the live pair.
  void Backup(const std::string& service, const std::string& path) {
    std::ostringstream out, err;
    const int code =
        atlasctl::Run({"--catalog=" + catalog_->address(),
                       "--incidents=" + incidents_->address(),
                       std::string("--key=") + kAdminKey, "admin", "backup",
                       "--service=" + service, "--output=" + path},
                      atlasctl::AdminCommands(), out, err);
    ASSERT_EQ(code, 0) << err.str();
    EXPECT_THAT(out.str(), HasSubstr("written to " + path));
  }

  // Waits until `n` more incidents were acknowledged.
  void AwaitMoreIncidents(size_t n) {
    const size_t target = incidents_acked_.size() + n;
    ASSERT_TRUE(WaitFor([&] { return incidents_acked_.size() >= target; },
                        absl::Seconds(60)));
  }

  // Restores the two backups into fresh directories and starts the pair;
  // checks what each held and that the read model converges.
  void RestoreAndConverge(const std::string& catalog_backup,
                          const std::string& incident_backup,
                          const std::vector<std::string>& orgs_before,
                          const std::vector<std::string>& incidents_before,
                          bool cursor_ahead) {
    TempDir dir;
    CatalogHarness catalog(dir.Sub("catalog"));
    catalog.set_restore_from(catalog_backup);
    catalog.Start();  // not following yet
    IncidentHarness incidents(catalog.address(), dir.Sub("incidents"));
    incidents.set_restore_from(incident_backup);
    incidents.Start();

    // Every write acknowledged before its backup began is there.
    auto catalog_stub = catalog.NewStub();
    for (const std::string& name : orgs_before) {
      cv1::GetOrganizationRequest r;
      r.set_name(name);
      cv1::Organization org;
      EXPECT_THAT(catalog_stub->GetOrganization(
                      ContextWithKey(kMemberKey).get(), r, &org),
                  IsOk())
          << name;
    }
    auto incident_stub = incidents.NewStub();
    for (const std::string& name : incidents_before) {
      iv1::GetIncidentRequest r;
      r.set_name(name);
      iv1::Incident inc;
      EXPECT_THAT(
          incident_stub->GetIncident(ContextWithKey(kMemberKey).get(), r, &inc),
          IsOk())
          << name;
    }

    // The case under test: where the restored cursor is.
    const int64_t cursor = *catalog.store().GetIncidentCursor();
    const int64_t head = incidents.changelog().next_sequence() - 1;
    if (cursor_ahead) {
      EXPECT_GT(cursor, head);
    } else {
      EXPECT_LT(cursor, head);
    }
    // A restore draws a new changelog generation.
    EXPECT_NE(*catalog.store().GetIncidentGeneration(),
              incidents.changelog().generation());

    // Follow. The restart keeps --restore_from: the finished restore of
    // the same backup is opened as it is (a restarted pod keeps its flags).
    catalog.Stop();
    catalog.set_incident_service(incidents.address(), kServiceKey);
    catalog.Start();
    // New writes on the restored incident-service: with the cursor ahead
    // they take sequences the catalog had applied from the old history.
    for (int n = 0; n < 10; ++n) {
      iv1::Incident out;
      ASSERT_THAT(incident_stub->CreateIncident(
                      ContextWithKey(kEditorKey).get(),
                      NewIncident(absl::StrCat("after-", n), n), &out),
                  IsOk());
    }
    std::map<std::string, int> truth;
    EXPECT_TRUE(WaitFor(
        [&] {
          truth = Truth(incidents);
          return CatalogView(catalog) == truth &&
                 *catalog.store().GetIncidentCursor() ==
                     incidents.changelog().next_sequence() - 1;
        },
        absl::Seconds(30)));
    EXPECT_EQ(CatalogView(catalog), truth);
    EXPECT_GE(catalog.follower()->resyncs(), 1);
    EXPECT_EQ(*catalog.store().GetIncidentGeneration(),
              incidents.changelog().generation());
    incidents.Stop();
    catalog.Stop();
  }

  std::unique_ptr<CatalogHarness> catalog_;
  std::unique_ptr<IncidentHarness> incidents_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> writers_;
  Acked incidents_acked_;
  Acked orgs_acked_;
  TempDir backups_;
};

TEST_F(BackupRestoreTest, DrillUnderConcurrentWrites) {
  StartWriters();
  AwaitMoreIncidents(100);

  // I1: incident-service, early.
  const std::vector<std::string> incidents_before_i1 =
      incidents_acked_.Snapshot();
  const std::string i1 = backups_.Sub("incidents-1.bak");
  Backup("incidents", i1);
  const int64_t head_after_i1 = incidents_->changelog().next_sequence() - 1;

  // C1: the catalog, once its cursor is well past everything I1 can hold.
  AwaitMoreIncidents(100);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto cursor = catalog_->core().IncidentCursor();
        return cursor.ok() && *cursor > head_after_i1 + 20;
      },
      absl::Seconds(30)));
  const std::vector<std::string> orgs_before_c1 = orgs_acked_.Snapshot();
  const std::string c1 = backups_.Sub("catalog-1.bak");
  Backup("catalog", c1);
  const int64_t head_after_c1 = incidents_->changelog().next_sequence() - 1;

  // I2: incident-service again, well after C1's cursor.
  AwaitMoreIncidents(100);
  ASSERT_TRUE(WaitFor(
      [&] {
        return incidents_->changelog().durable_next_sequence() - 1 >
               head_after_c1 + 20;
      },
      absl::Seconds(30)));
  const std::vector<std::string> incidents_before_i2 =
      incidents_acked_.Snapshot();
  const std::string i2 = backups_.Sub("incidents-2.bak");
  Backup("incidents", i2);
  StopWriters();
  ASSERT_GT(orgs_before_c1.size(), 0u);

  {
    SCOPED_TRACE("catalog backup newer than the incident backup");
    RestoreAndConverge(c1, i1, orgs_before_c1, incidents_before_i1,
                       /*cursor_ahead=*/true);
  }
  {
    SCOPED_TRACE("catalog backup older than the incident backup");
    RestoreAndConverge(c1, i2, orgs_before_c1, incidents_before_i2,
                       /*cursor_ahead=*/false);
  }
  // The backups are whole files, verified by atlasctl too.
  for (const std::string& path : {i1, c1, i2}) {
    std::ostringstream out, err;
    EXPECT_EQ(atlasctl::Run({"admin", "verify-backup", path},
                            atlasctl::AdminCommands(), out, err),
              0)
        << err.str();
  }
}

// A cursor ahead of the changelog within one generation (the database was
// copied back by other means than --restore_from): incident-service answers
// OUT_OF_RANGE and the follower resynchronises.
TEST_F(BackupRestoreTest, CursorAheadInOneGenerationResynchronises) {
  auto stub = incidents_->NewStub();
  for (int n = 0; n < 12; ++n) {
    iv1::Incident out;
    ASSERT_THAT(
        stub->CreateIncident(ContextWithKey(kEditorKey).get(),
                             NewIncident(absl::StrCat("i-", n), n), &out),
        IsOk());
  }
  const int64_t head = incidents_->changelog().next_sequence() - 1;
  ASSERT_TRUE(WaitFor([&] {
    auto cursor = catalog_->core().IncidentCursor();
    return cursor.ok() && *cursor == head;
  }));
  catalog_->Stop();
  {
    auto store = catalog::CatalogStore::Open(catalog_->db_path());
    ASSERT_THAT(store, IsOk());
    storage::WriteBatch batch;
    catalog::CatalogStore::PutIncidentCursor(head + 50, &batch);
    ASSERT_THAT((*store)->db().Write(batch), IsOk());
    ASSERT_THAT((*store)->Close(), IsOk());
  }
  catalog_->Start();
  for (int n = 12; n < 15; ++n) {
    // The victim check's channel reconnects to the restarted catalog.
    ASSERT_TRUE(WaitFor([&] {
      iv1::Incident out;
      return stub
          ->CreateIncident(ContextWithKey(kEditorKey).get(),
                           NewIncident(absl::StrCat("i-", n), n), &out)
          .ok();
    }));
  }
  EXPECT_TRUE(WaitFor(
      [&] {
        return CatalogView(*catalog_) == Truth(*incidents_) &&
               *catalog_->core().IncidentCursor() ==
                   incidents_->changelog().next_sequence() - 1;
      },
      absl::Seconds(30)));
  EXPECT_GE(catalog_->follower()->resyncs(), 1);
}

// The CronJob's form: --output=DIR/ names each file after the service, the
// time and the backup, and --keep=N keeps the newest N.
TEST_F(BackupRestoreTest, BackupIntoADirectoryKeepsTheNewest) {
  const std::string dir = backups_.Sub("cron") + "/";
  std::filesystem::create_directories(dir);
  for (int i = 0; i < 3; ++i) {
    std::ostringstream out, err;
    ASSERT_EQ(
        atlasctl::Run({"--catalog=" + catalog_->address(),
                       std::string("--key=") + kAdminKey, "admin", "backup",
                       "--service=catalog", "--output=" + dir, "--keep=2"},
                      atlasctl::AdminCommands(), out, err),
        0)
        << err.str();
  }
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  ASSERT_EQ(names.size(), 2u);
  for (const std::string& name : names) {
    EXPECT_THAT(name,
                ::testing::MatchesRegex(
                    "catalog-service-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}\\.bak"));
  }
  // --keep without a directory is a usage error (exit 2).
  std::ostringstream out, err;
  EXPECT_EQ(atlasctl::Run({"--catalog=" + catalog_->address(),
                           std::string("--key=") + kAdminKey, "admin", "backup",
                           "--service=catalog",
                           "--output=" + backups_.Sub("one.bak"), "--keep=2"},
                          atlasctl::AdminCommands(), out, err),
            2);
}

// A service restores only its own backups, and only into an empty dir.
TEST_F(BackupRestoreTest, StartRefusesAnotherServicesBackupAndABusyDir) {
  const std::string backup = backups_.Sub("incidents.bak");
  Backup("incidents", backup);
  TempDir dir;
  catalog::CatalogServer::Options options;
  options.serving.listen_address = "127.0.0.1:0";
  options.db_path = dir.Sub("catalog");
  options.restore_from = backup;
  options.keys = &::atlas::testing::TestKeys();
  auto countries = api::CountryList::Default();
  ASSERT_THAT(countries, IsOk());
  options.countries = *countries;
  EXPECT_THAT(catalog::CatalogServer::Start(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is a backup of incident-service")));

  // incident-service's own backup, into its live (non-empty) directory.
  IncidentHarness other(catalog_->address(), dir.Sub("other"));
  other.Start();
  other.Stop();
  incident::IncidentServer::Options busy;
  busy.db_path = dir.Sub("other");
  busy.restore_from = backup;
  busy.serving.listen_address = "127.0.0.1:0";
  busy.attack_dir =
      ::atlas::testing::SourceDir() + "/incident-service/data/attack";
  busy.veris_dir = ::atlas::testing::SourceDir() + "/datasets/veris";
  EXPECT_THAT(incident::IncidentServer::Start(busy),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is not empty")));
}

}  // namespace
}  // namespace atlas
