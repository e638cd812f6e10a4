// Upgrades, rollbacks and second writers, for both services (issue 18,
// parts 5 and 6):
// - a database made by the release before layouts were versioned (built
//   here: the current layout without its layout_version key, and for the
//   catalog without the exact\0 search entries and the search_layout
//   marker, as older databases were) opens, keeps its data, and is stamped
//   with the current version;
// - a database stamped with a newer version is refused by the store
//   (FAILED_PRECONDITION, the exact message), and by the binary at start
//   (exit 1, the message in its log) without rewriting anything;
// - a second binary on a database already open, and a StatefulSet replica
//   other than 0 under --require_ordinal_zero, exit 1 with a message
//   saying what to do.
// Binaries run as child processes of this test (only they are signalled,
// by PID); loopback only.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "catalog-service/catalog_store.h"
#include "common/storage/stored_layout.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "incident-service/incident_store.h"
#include "tests/reliability/crash_harness.h"
#include "tests/testing/service_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas {
namespace {

using ::atlas::reliability::ChildServer;
using ::atlas::testing::BinaryDir;
using ::atlas::testing::CatalogHarness;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IncidentHarness;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::SourceDir;
using ::atlas::testing::StatusIs;
using ::atlas::testing::TempDir;
using ::testing::HasSubstr;
namespace cv1 = ::atlas::catalog::v1;
namespace iv1 = ::atlas::incident::v1;

constexpr absl::string_view kSep("\0", 1);

// The refusal of a database stamped `known` + 1 by a build of `known`.
std::string TooNewMessage(const std::string& path, const std::string& owner,
                          int known) {
  return absl::StrCat(
      "the database at ", path, " has stored layout version ", known + 1,
      ", but this ", owner, " knows layouts up to version ", known,
      ": a newer release wrote it, and this "
      "binary would misread it. Run that release (or a newer one) on this "
      "database, or restore a backup taken before the upgrade and run this "
      "release on that (docs/deploy.md, \"Rolling back\")");
}

// Writes `batch` into the store at `path`, opened raw (RocksStore, no
// layout check), with `families`.
void WriteRaw(const std::string& path, std::vector<std::string> families,
              const storage::WriteBatch& batch) {
  storage::RocksStore::Options options;
  options.path = path;
  options.column_families = std::move(families);
  auto db = storage::RocksStore::Open(std::move(options));
  ASSERT_THAT(db, IsOk());
  ASSERT_THAT((*db)->Write(batch), IsOk());
  ASSERT_THAT((*db)->Close(), IsOk());
}

const std::vector<std::string> kCatalogFamilies = {
    "organizations", "indexes", "requests",
    "read_model",    "meta",    "public_views"};
const std::vector<std::string> kIncidentFamilies = {
    "incidents", "events",   "sources", "indexes",
    "changelog", "requests", "meta",    "public_views"};

// The outcome of a binary run to its exit.
struct Exit {
  int code = -1;  // the exit status; -1 if it did not exit by itself
  std::string log;
};

// Runs `binary` with `args` (and `env` added to this process's
// environment) until it exits; a child still running after `timeout` is
// killed (SIGKILL, by its PID) and reported as code -1.
Exit RunToExit(const std::string& binary, const std::vector<std::string>& args,
               const std::vector<std::string>& env, const std::string& log,
               absl::Duration timeout = absl::Seconds(30)) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  Exit result;
  if (pid < 0) return result;
  int status = 0;
  const absl::Time deadline = absl::Now() + timeout;
  pid_t done = 0;
  // Polls the child's exit, bounded by `deadline`: the wait is for an
  // event (the exit), the step only bounds how late it is noticed.
  while ((done = waitpid(pid, &status, WNOHANG)) == 0 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  } else if (WIFEXITED(status)) {
    result.code = WEXITSTATUS(status);
  }
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  result.log = text.str();
  return result;
}

class StoredLayoutUpgradeTest : public ::testing::Test {
 protected:
  std::vector<std::string> CatalogArgs(const std::string& db) const {
    return {"--listen=127.0.0.1:0", "--db_path=" + db, "--shutdown_grace=2s"};
  }
  std::vector<std::string> IncidentArgs(const std::string& db) const {
    return {"--listen=127.0.0.1:0",
            "--db_path=" + db,
            "--catalog_address=127.0.0.1:1",
            "--attack_dir=" + SourceDir() + "/incident-service/data/attack",
            "--veris_dir=" + SourceDir() + "/datasets/veris",
            "--shutdown_grace=2s"};
  }
  std::string CatalogBinary() const {
    return BinaryDir() + "/catalog-service/catalog-service";
  }
  std::string IncidentBinary() const {
    return BinaryDir() + "/incident-service/incident-service";
  }

  TempDir dir_;
};

TEST_F(StoredLayoutUpgradeTest, CatalogOpensAnUnversionedDatabase) {
  const std::string db = dir_.Sub("catalog");
  {
    CatalogHarness catalog(db);
    catalog.Start();
    cv1::CreateOrganizationRequest create;
    create.set_organization_id("vooruit");
    create.mutable_organization()->set_display_name("Vooruit");
    create.mutable_organization()->set_country("BE");
    cv1::Organization created;
    ASSERT_THAT(catalog.NewStub()->CreateOrganization(
                    ContextWithKey(kEditorKey).get(), create, &created),
                IsOk());
    catalog.Stop();
  }
  {
    // The layout of the release before versions: no version key, and (as
    // in older ones) no exact\0 entries nor their marker.
    auto store = catalog::CatalogStore::Open(db);
    ASSERT_THAT(store, IsOk());
    EXPECT_EQ(*(*store)->db().Get(catalog::CatalogStore::kMeta,
                                  storage::kLayoutVersionKey),
              "2");
    ASSERT_THAT((*store)->Close(), IsOk());
  }
  storage::WriteBatch old;
  old.Delete(catalog::CatalogStore::kMeta, storage::kLayoutVersionKey);
  old.Delete(catalog::CatalogStore::kMeta, "search_layout");
  old.Delete(catalog::CatalogStore::kIndexes,
             absl::StrCat("exact", kSep, "vooruit", kSep, "vooruit"));
  WriteRaw(db, kCatalogFamilies, old);

  CatalogHarness catalog(db);
  catalog.Start();
  cv1::GetOrganizationRequest get;
  get.set_name("organizations/vooruit");
  cv1::Organization got;
  ASSERT_THAT(catalog.NewStub()->GetOrganization(
                  ContextWithKey(kMemberKey).get(), get, &got),
              IsOk());
  EXPECT_EQ(got.display_name(), "Vooruit");
  EXPECT_EQ(*catalog.store().db().Get(catalog::CatalogStore::kMeta,
                                      storage::kLayoutVersionKey),
            "2");
  // The 1 -> 2 step ran: the exact\0 entry is back.
  EXPECT_THAT(catalog.store().db().Get(
                  catalog::CatalogStore::kIndexes,
                  absl::StrCat("exact", kSep, "vooruit", kSep, "vooruit")),
              IsOk());
  catalog.Stop();
}

TEST_F(StoredLayoutUpgradeTest, IncidentServiceOpensAnUnversionedDatabase) {
  CatalogHarness catalog;
  catalog.Start();
  cv1::CreateOrganizationRequest create;
  create.set_organization_id("vooruit");
  create.mutable_organization()->set_display_name("Vooruit");
  cv1::Organization created;
  ASSERT_THAT(catalog.NewStub()->CreateOrganization(
                  ContextWithKey(kEditorKey).get(), create, &created),
              IsOk());
  const std::string db = dir_.Sub("incidents");
  {
    IncidentHarness incidents(catalog.address(), db);
    incidents.Start();
    iv1::CreateIncidentRequest request;
    request.set_incident_id("vooruit-2024");
    request.mutable_incident()->set_title("Website compromised");
    request.mutable_incident()->add_victims()->set_organization(
        "organizations/vooruit");
    iv1::Incident incident;
    ASSERT_THAT(incidents.NewStub()->CreateIncident(
                    ContextWithKey(kEditorKey).get(), request, &incident),
                IsOk());
    EXPECT_EQ(*incidents.store().db().Get(incident::IncidentStore::kMeta,
                                          storage::kLayoutVersionKey),
              "3");
    incidents.Stop();
  }
  storage::WriteBatch old;
  old.Delete(incident::IncidentStore::kMeta, storage::kLayoutVersionKey);
  WriteRaw(db, kIncidentFamilies, old);

  IncidentHarness incidents(catalog.address(), db);
  incidents.Start();
  iv1::GetIncidentRequest get;
  get.set_name("incidents/vooruit-2024");
  iv1::Incident got;
  ASSERT_THAT(incidents.NewStub()->GetIncident(ContextWithKey(kMemberKey).get(),
                                               get, &got),
              IsOk());
  EXPECT_EQ(got.title(), "Website compromised");
  EXPECT_EQ(*incidents.store().db().Get(incident::IncidentStore::kMeta,
                                        storage::kLayoutVersionKey),
            "3");
  incidents.Stop();
  catalog.Stop();
}

TEST_F(StoredLayoutUpgradeTest, BothStoresRefuseANewerLayoutUntouched) {
  const std::string catalog_db = dir_.Sub("catalog");
  const std::string incident_db = dir_.Sub("incidents");
  // Fresh databases of this build, then stamped by "a newer release",
  // whose public views follow another policy (an open that did not stop
  // first would rewrite them).
  ASSERT_THAT(catalog::CatalogStore::Open(catalog_db), IsOk());
  ASSERT_THAT(incident::IncidentStore::Open(incident_db), IsOk());
  storage::WriteBatch catalog_newer;
  catalog_newer.Put(catalog::CatalogStore::kMeta, storage::kLayoutVersionKey,
                    "3");
  catalog_newer.Put(catalog::CatalogStore::kMeta, "public_view_policy",
                    "newer");
  WriteRaw(catalog_db, kCatalogFamilies, catalog_newer);
  storage::WriteBatch incident_newer;
  incident_newer.Put(incident::IncidentStore::kMeta, storage::kLayoutVersionKey,
                     "4");
  incident_newer.Put(incident::IncidentStore::kMeta, "public_view_policy",
                     "newer");
  WriteRaw(incident_db, kIncidentFamilies, incident_newer);

  EXPECT_THAT(catalog::CatalogStore::Open(catalog_db),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       TooNewMessage(catalog_db, "catalog-service", 2)));
  EXPECT_THAT(incident::IncidentStore::Open(incident_db),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       TooNewMessage(incident_db, "incident-service", 3)));

  // Nothing was rewritten.
  for (const auto& [path, families, meta, stamped] :
       {std::tuple{catalog_db, kCatalogFamilies,
                   static_cast<int>(catalog::CatalogStore::kMeta), "3"},
        std::tuple{incident_db, kIncidentFamilies,
                   static_cast<int>(incident::IncidentStore::kMeta), "4"}}) {
    storage::RocksStore::Options options;
    options.path = path;
    options.column_families = families;
    auto db = storage::RocksStore::Open(std::move(options));
    ASSERT_THAT(db, IsOk());
    EXPECT_EQ(*(*db)->Get(meta, storage::kLayoutVersionKey), stamped);
    EXPECT_EQ(*(*db)->Get(meta, "public_view_policy"), "newer");
  }

  // Through main: exit 1 at once, the message in the log.
  Exit catalog = RunToExit(CatalogBinary(), CatalogArgs(catalog_db), {},
                           dir_.Sub("catalog.log"));
  EXPECT_EQ(catalog.code, 1) << catalog.log;
  EXPECT_THAT(catalog.log, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(catalog.log,
              HasSubstr("has stored layout version 3, but this "
                        "catalog-service knows layouts up to version 2"));
  Exit incidents = RunToExit(IncidentBinary(), IncidentArgs(incident_db), {},
                             dir_.Sub("incidents.log"));
  EXPECT_EQ(incidents.code, 1) << incidents.log;
  EXPECT_THAT(incidents.log,
              HasSubstr("has stored layout version 4, but this "
                        "incident-service knows layouts up to version 3"));
}

TEST_F(StoredLayoutUpgradeTest, ASecondWriterOnTheSameDatabaseExits) {
  ChildServer catalog(CatalogBinary(), dir_.path(), "catalog");
  catalog.set_args(
      {"--db_path=" + dir_.Sub("catalog-db"), "--shutdown_grace=2s"});
  ASSERT_THAT(catalog.Start(), IsOk());
  Exit second = RunToExit(CatalogBinary(), CatalogArgs(dir_.Sub("catalog-db")),
                          {}, dir_.Sub("second.log"));
  EXPECT_EQ(second.code, 1) << second.log;
  EXPECT_THAT(second.log, HasSubstr("UNAVAILABLE"));
  EXPECT_THAT(second.log,
              HasSubstr("is open in another process: one writer per "
                        "database"));
  EXPECT_EQ(catalog.Terminate(), 0);
}

TEST_F(StoredLayoutUpgradeTest, OnlyReplicaZeroStarts) {
  for (const auto& [binary, args, name] :
       {std::tuple{CatalogBinary(), CatalogArgs(dir_.Sub("c")),
                   std::string("catalog-service")},
        std::tuple{IncidentBinary(), IncidentArgs(dir_.Sub("i")),
                   std::string("incident-service")}}) {
    std::vector<std::string> with_flag = args;
    with_flag.push_back("--require_ordinal_zero");
    Exit replica1 = RunToExit(binary, with_flag, {"POD_NAME=" + name + "-1"},
                              dir_.Sub(name + "-1.log"));
    EXPECT_EQ(replica1.code, 1) << replica1.log;
    EXPECT_THAT(replica1.log,
                HasSubstr(absl::StrCat("this pod is ", name,
                                       "-1, replica 1 of the ", name,
                                       " StatefulSet, and only replica 0 may "
                                       "run")));
    EXPECT_THAT(replica1.log, HasSubstr("Scaling reads"));
  }
}

}  // namespace
}  // namespace atlas
