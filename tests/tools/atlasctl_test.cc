// atlasctl end to end: the built binary, run as a subprocess, against the
// real catalog-service binary (and incident-service, when it is built),
// each started on port 0 with a fresh database and the test keys.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_env.h"

namespace atlas::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string BinaryDir() {
  const char* dir = std::getenv("ATLAS_BINARY_DIR");
  return dir == nullptr ? "." : dir;
}

bool IsExecutable(const std::string& path) {
  return access(path.c_str(), X_OK) == 0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// Starts `argv` with stdin, stdout and stderr redirected to files; returns
// the pid.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& in,
            const std::string& out, const std::string& err) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int in_fd = open(in.c_str(), O_RDONLY);
  int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err_fd = err == out
                   ? out_fd
                   : open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in_fd < 0 || out_fd < 0 || err_fd < 0) _exit(127);
  dup2(in_fd, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

// Waits for `pid` with a deadline; the exit code, or nullopt if it did not
// exit normally in time.
std::optional<int> WaitExit(pid_t pid, absl::Duration timeout) {
  int status = 0;
  bool done =
      WaitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; }, timeout);
  if (!done) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return std::nullopt;
  }
  if (!WIFEXITED(status)) return std::nullopt;
  return WEXITSTATUS(status);
}

// A service binary on port 0, stopped with SIGTERM.
class ServiceProcess {
 public:
  ServiceProcess(const TempDir& dir, const std::string& name,
                 std::vector<std::string> argv)
      : log_(dir.Sub(name + ".log")), port_file_(dir.Sub(name + ".port")) {
    argv.push_back("--listen=127.0.0.1:0");
    argv.push_back("--port_file=" + port_file_);
    WriteFile(dir.Sub("empty"), "");
    pid_ = Spawn(argv, dir.Sub("empty"), log_, log_);
  }

  ~ServiceProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Waits for the port file; false if the server did not come up (it
  // exited, or wrote no port in time).
  bool WaitUntilServing() {
    bool exited = false;
    bool serving = WaitFor([&] {
      int port;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadFile(port_file_)),
                           &port) &&
          port > 0) {
        port_ = port;
        return true;
      }
      exited = waitpid(pid_, nullptr, WNOHANG) == pid_;
      return exited;
    });
    if (exited) pid_ = -1;
    return serving && !exited;
  }

  // SIGTERM, then the exit code (nullopt if it did not exit in time).
  std::optional<int> Stop() {
    kill(pid_, SIGTERM);
    std::optional<int> code = WaitExit(pid_, absl::Seconds(30));
    pid_ = -1;
    return code;
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  std::string log() const { return ReadFile(log_); }

 private:
  std::string log_;
  std::string port_file_;
  pid_t pid_ = -1;
  int port_ = 0;
};

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::ostream& operator<<(std::ostream& os, const Result& r) {
  return os << "exit " << r.exit_code << "\nstdout:\n"
            << r.out << "stderr:\n"
            << r.err;
}

class AtlasctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    atlasctl_ = BinaryDir() + "/tools/atlasctl/atlasctl";
    ASSERT_TRUE(IsExecutable(atlasctl_)) << atlasctl_;
    std::string catalog_binary =
        BinaryDir() + "/catalog-service/catalog-service";
    ASSERT_TRUE(IsExecutable(catalog_binary)) << catalog_binary;
    WriteFile(dir_.Sub("keys"), TestKeyFileText());
    catalog_.emplace(
        dir_, "catalog",
        std::vector<std::string>{
            catalog_binary, "--db_path=" + dir_.Sub("catalog-db"),
            "--api_keys_file=" + dir_.Sub("keys"), "--shutdown_grace=2s"});
    ASSERT_TRUE(catalog_->WaitUntilServing()) << catalog_->log();
    // Nothing listens here (an unused port would be racy; port 1 is
    // privileged and closed on a test machine).
    incidents_address_ = "127.0.0.1:1";
  }

  void TearDown() override {
    if (incidents_.has_value()) {
      EXPECT_EQ(incidents_->Stop(), 0) << incidents_->log();
    }
    if (catalog_.has_value()) {
      EXPECT_EQ(catalog_->Stop(), 0) << catalog_->log();
    }
  }

  // Starts incident-service against the catalog; skips when it is not built.
  bool StartIncidents() {
    std::string binary = BinaryDir() + "/incident-service/incident-service";
    if (!IsExecutable(binary)) return false;
    WriteFile(dir_.Sub("service-key"), kServiceKey);
    std::vector<std::string> argv = {
        binary,
        "--db_path=" + dir_.Sub("incident-db"),
        "--api_keys_file=" + dir_.Sub("keys"),
        "--catalog_address=" + catalog_->address(),
        "--catalog_api_key_file=" + dir_.Sub("service-key"),
        "--shutdown_grace=2s"};
    // The pinned ATT&CK release the server checks technique ids against.
    // (ATLAS_SOURCE_DIR from the environment when set; the atlas_test
    // ENVIRONMENT list currently keeps only its last entry.)
    const char* source_dir = std::getenv("ATLAS_SOURCE_DIR");
    std::string attack_dir =
        absl::StrCat(source_dir == nullptr ? ATLAS_TEST_SOURCE_DIR : source_dir,
                     "/incident-service/data/attack");
    if (access(attack_dir.c_str(), R_OK) == 0) {
      argv.push_back("--attack_dir=" + attack_dir);
    }
    std::string veris_dir =
        absl::StrCat(source_dir == nullptr ? ATLAS_TEST_SOURCE_DIR : source_dir,
                     "/datasets/veris");
    if (access(veris_dir.c_str(), R_OK) == 0) {
      argv.push_back("--veris_dir=" + veris_dir);
    }
    incidents_.emplace(dir_, "incidents", argv);
    if (!incidents_->WaitUntilServing()) {
      ADD_FAILURE() << incidents_->log();
      incidents_.reset();
      return false;
    }
    incidents_address_ = incidents_->address();
    return true;
  }

  // Runs atlasctl with the server addresses and `args`.
  Result Atlasctl(std::vector<std::string> args, const std::string& in = "") {
    std::vector<std::string> argv = {
        atlasctl_, "--catalog=" + catalog_->address(),
        "--incidents=" + incidents_address_, "--timeout=10s"};
    argv.insert(argv.end(), args.begin(), args.end());
    WriteFile(dir_.Sub("stdin"), in);
    pid_t pid =
        Spawn(argv, dir_.Sub("stdin"), dir_.Sub("stdout"), dir_.Sub("stderr"));
    Result result;
    result.exit_code = WaitExit(pid, absl::Seconds(60)).value_or(-1);
    result.out = ReadFile(dir_.Sub("stdout"));
    result.err = ReadFile(dir_.Sub("stderr"));
    return result;
  }

  Result CreateVooruit() {
    return Atlasctl({"orgs", "create", "--key", kEditorKey, "--id", "vooruit",
                     R"({"displayName": "Vooruit", "country": "BE",
                         "domains": ["vooruit.be", "vooruit.brussels"]})"});
  }

  TempDir dir_;
  std::string atlasctl_;
  std::optional<ServiceProcess> catalog_;
  std::optional<ServiceProcess> incidents_;
  std::string incidents_address_;
};

TEST_F(AtlasctlTest, HealthOfCatalogIsServing) {
  Result r = Atlasctl({"health", "catalog"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("atlas.catalog.v1.CatalogService  SERVING"));
  EXPECT_THAT(r.out, HasSubstr("\"\"                               SERVING"));
}

TEST_F(AtlasctlTest, HealthFailsWhenAServerIsDown) {
  Result r = Atlasctl({"health"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.out, HasSubstr("SERVING"));  // The catalog's rows.
  EXPECT_THAT(r.err, StartsWith("error: UNAVAILABLE: incidents (127.0.0.1:1)"));
}

TEST_F(AtlasctlTest, HealthAsJson) {
  Result r = Atlasctl({"health", "catalog", "--output=json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr(R"("service":"atlas.catalog.v1.CatalogService",)"
                               R"("status":"SERVING"})"));
}

TEST_F(AtlasctlTest, ListShowsCatalogServices) {
  Result r = Atlasctl({"list", "catalog"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out,
              AllOf(HasSubstr("catalog  atlas.catalog.v1.CatalogService"),
                    HasSubstr("grpc.health.v1.Health"),
                    HasSubstr("grpc.reflection.v1alpha.ServerReflection")));
}

TEST_F(AtlasctlTest, CreateThenGetAsJson) {
  Result created = CreateVooruit();
  ASSERT_EQ(created.exit_code, 0) << created;
  Result r = Atlasctl({"orgs", "get", "vooruit", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, AllOf(StartsWith("{"),
                           HasSubstr(R"("name":"organizations/vooruit")"),
                           HasSubstr(R"("displayName":"Vooruit")"),
                           HasSubstr(R"("country":"BE")")));
  // One object per line.
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r;
}

TEST_F(AtlasctlTest, CreateThenGetAsTable) {
  ASSERT_EQ(CreateVooruit().exit_code, 0);
  Result r = Atlasctl({"orgs", "get", "organizations/vooruit"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out,
            "NAME                   DISPLAY NAME  COUNTRY  DOMAINS\n"
            "organizations/vooruit  Vooruit       BE       vooruit.be, "
            "vooruit.brussels\n");
}

TEST_F(AtlasctlTest, CreateFromFlagsAndStdin) {
  Result flags =
      Atlasctl({"orgs", "create", "--key", kEditorKey, "--id", "parliament",
                "--display-name", "Brussels Parliament", "--country", "BE"});
  ASSERT_EQ(flags.exit_code, 0) << flags;
  EXPECT_THAT(flags.out,
              HasSubstr("organizations/parliament  Brussels Parliament"));
  Result in =
      Atlasctl({"orgs", "create", "--key", kEditorKey, "--id", "x1", "-"},
               R"({"displayName": "From stdin"})");
  ASSERT_EQ(in.exit_code, 0) << in;
  EXPECT_THAT(in.out, HasSubstr("From stdin"));
}

TEST_F(AtlasctlTest, KeyComesFromEnvironmentWhenNoFlag) {
  setenv("ATLAS_API_KEY", kEditorKey, 1);
  Result r =
      Atlasctl({"orgs", "create", "--display-name", "Env", "--id", "env"});
  unsetenv("ATLAS_API_KEY");
  EXPECT_EQ(r.exit_code, 0) << r;
}

TEST_F(AtlasctlTest, WriteWithoutKeyIsUnauthenticated) {
  Result r = Atlasctl({"orgs", "create", "--display-name", "No key"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: UNAUTHENTICATED: "));
}

TEST_F(AtlasctlTest, NotFoundIsExitOneWithCode) {
  Result r = Atlasctl({"orgs", "get", "nobody"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: NOT_FOUND: "));
  EXPECT_EQ(r.out, "");
}

TEST_F(AtlasctlTest, UsageErrorsAreExitTwo) {
  Result missing = Atlasctl({"orgs", "get"});
  EXPECT_EQ(missing.exit_code, 2) << missing;
  EXPECT_THAT(missing.err, AllOf(HasSubstr("missing argument: NAME"),
                                 HasSubstr("usage: atlasctl orgs get NAME")));
  Result unknown = Atlasctl({"orgs", "frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown;
  EXPECT_THAT(unknown.err, HasSubstr("orgs needs a subcommand"));
  Result flag = Atlasctl({"orgs", "get", "x", "--bogus=1"});
  EXPECT_EQ(flag.exit_code, 2) << flag;
  EXPECT_THAT(flag.err, HasSubstr("unknown flag --bogus"));
  Result output = Atlasctl({"health", "--output=yaml"});
  EXPECT_EQ(output.exit_code, 2) << output;
  Result none = Atlasctl({});
  EXPECT_EQ(none.exit_code, 2) << none;
}

TEST_F(AtlasctlTest, HelpListsCommands) {
  Result r = Atlasctl({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("atlasctl call SERVICE/METHOD"),
                           HasSubstr("atlasctl incidents watch"),
                           HasSubstr("atlasctl import FILE|-")));
}

TEST_F(AtlasctlTest, CallByReflection) {
  ASSERT_EQ(CreateVooruit().exit_code, 0);
  Result r =
      Atlasctl({"call", "atlas.catalog.v1.CatalogService/GetOrganization",
                R"({"name":"organizations/vooruit"})"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out,
              AllOf(StartsWith("{"), HasSubstr(R"("displayName":"Vooruit")")));
}

TEST_F(AtlasctlTest, CallByReflectionNotFound) {
  Result r =
      Atlasctl({"call", "atlas.catalog.v1.CatalogService/GetOrganization",
                R"({"name":"organizations/x"})"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: NOT_FOUND: "));
}

TEST_F(AtlasctlTest, CallReadsJsonFromStdinAndSendsKey) {
  Result r = Atlasctl(
      {"call", "--key", kEditorKey,
       "atlas.catalog.v1.CatalogService/CreateOrganization", "-"},
      R"({"organization": {"displayName": "Called"}, "organizationId": "called"})");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr(R"("name":"organizations/called")"));
}

TEST_F(AtlasctlTest, CallWithBadJsonNamesTheProblem) {
  Result r =
      Atlasctl({"call", "atlas.catalog.v1.CatalogService/GetOrganization",
                R"({"nmae":"organizations/x"})"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, AllOf(StartsWith("error: INVALID_ARGUMENT: "),
                           HasSubstr("atlas.catalog.v1.GetOrganizationRequest"),
                           HasSubstr("nmae")));
}

TEST_F(AtlasctlTest, CallWithMalformedJsonIsOneErrorLine) {
  Result r =
      Atlasctl({"call", "atlas.catalog.v1.CatalogService/GetOrganization",
                R"({"name": )"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err,
              StartsWith("error: INVALID_ARGUMENT: request is not valid "
                         "JSON for atlas.catalog.v1.GetOrganizationRequest"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r;
}

TEST_F(AtlasctlTest, CallUnknownMethodIsNotFound) {
  Result r =
      Atlasctl({"call", "atlas.catalog.v1.CatalogService/Frobnicate", "{}"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("method Frobnicate not found"));
}

TEST_F(AtlasctlTest, CallHealthNeedsAServer) {
  Result ambiguous = Atlasctl({"call", "grpc.health.v1.Health/Check", "{}"});
  EXPECT_EQ(ambiguous.exit_code, 2) << ambiguous;
  Result r =
      Atlasctl({"call", "--server=catalog", "grpc.health.v1.Health/Check",
                R"({"service": "atlas.catalog.v1.CatalogService"})"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "{\"status\":\"SERVING\"}\n");
}

TEST_F(AtlasctlTest, ImportTwiceCreatesOnce) {
  std::string file = dir_.Sub("orgs.jsonl");
  WriteFile(file,
            "# seed organisations\n"
            R"({"kind":"organization","id":"vooruit","request_id":"seed-1",)"
            R"("record":{"displayName":"Vooruit","country":"BE"}})"
            "\n\n"
            R"({"kind":"organization","id":"parliament",)"
            R"("record":{"displayName":"Brussels Parliament","country":"BE"}})"
            "\n");
  Result first = Atlasctl({"import", "--key", kEditorKey, file});
  ASSERT_EQ(first.exit_code, 0) << first;
  EXPECT_THAT(first.err,
              HasSubstr("2 records: 2 created, 0 already present, 0 failed"));
  Result second = Atlasctl({"import", "--key", kEditorKey, file});
  ASSERT_EQ(second.exit_code, 0) << second;
  EXPECT_THAT(second.err,
              HasSubstr("2 records: 0 created, 2 already present, 0 failed"));
  Result get = Atlasctl({"orgs", "get", "parliament"});
  EXPECT_EQ(get.exit_code, 0) << get;
}

TEST_F(AtlasctlTest, ImportReportsBadLinesAndGoesOn) {
  std::string file = dir_.Sub("bad.jsonl");
  WriteFile(
      file,
      R"({"kind":"organisation","id":"a","record":{}})"
      "\n"
      R"({"kind":"organization","id":"b","record":{"displayName":"B","colour":"red"}})"
      "\n"
      "not json\n"
      R"({"kind":"organization","id":"c","record":{"displayName":"C"}})"
      "\n");
  Result r = Atlasctl({"import", "--key", kEditorKey, file});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(
      r.err,
      AllOf(HasSubstr("error: line 1: INVALID_ARGUMENT: \"kind\""),
            HasSubstr("error: line 2: INVALID_ARGUMENT:"), HasSubstr("colour"),
            HasSubstr("error: line 3: INVALID_ARGUMENT: not a JSON object"),
            HasSubstr("4 records: 1 created, 0 already present, 3 failed")));
  EXPECT_EQ(Atlasctl({"orgs", "get", "c"}).exit_code, 0);
}

TEST_F(AtlasctlTest, JsonOutputImportsBack) {
  ASSERT_EQ(CreateVooruit().exit_code, 0);
  Result exported = Atlasctl({"orgs", "get", "vooruit", "-o", "json"});
  ASSERT_EQ(exported.exit_code, 0) << exported;
  // A bare Organization line: the id comes from its name.
  Result r = Atlasctl({"import", "--key", kEditorKey, "-"}, exported.out);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.err,
              HasSubstr("1 records: 0 created, 1 already present, 0 failed"));
}

TEST_F(AtlasctlTest, ImportProgressForLongFiles) {
  std::string lines;
  for (int i = 0; i < 150; ++i) {
    absl::StrAppend(&lines, R"({"kind":"organization","id":"org-)", i,
                    R"(","record":{"displayName":"Org )", i, R"("}})", "\n");
  }
  Result r = Atlasctl({"import", "--key", kEditorKey, "-"}, lines);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.err,
              AllOf(HasSubstr("imported 100/150\n"),
                    HasSubstr("imported 150/150\n"), HasSubstr("150 created")));
}

// incident-service cases: only when its binary is built.

TEST_F(AtlasctlTest, IncidentsHealthAndCreate) {
  if (!StartIncidents()) {
    GTEST_SKIP() << "incident-service is not built or did not start";
  }
  Result health = Atlasctl({"health"});
  EXPECT_EQ(health.exit_code, 0) << health;
  ASSERT_EQ(CreateVooruit().exit_code, 0);
  Result created = Atlasctl({"incidents", "create", "--key", kEditorKey, "--id",
                             "vooruit-2024",
                             R"({"title": "Ransomware at Vooruit",
           "victims": [{"organization": "organizations/vooruit"}],
           "startDate": {"year": 2024, "month": 3, "day": 28},
           "disclosedDate": {"year": 2024, "month": 4}})"});
  ASSERT_EQ(created.exit_code, 0) << created;
  Result got = Atlasctl({"incidents", "get", "vooruit-2024"});
  ASSERT_EQ(got.exit_code, 0) << got;
  EXPECT_THAT(got.out, AllOf(HasSubstr("TITLE"), HasSubstr("vooruit"),
                             HasSubstr("2024-03-28"), HasSubstr("2024-04")));
}

TEST_F(AtlasctlTest, ImportIncidentsTwiceCreatesOnce) {
  if (!StartIncidents()) {
    GTEST_SKIP() << "incident-service is not built or did not start";
  }
  std::string file = dir_.Sub("seed.jsonl");
  WriteFile(file, R"({"kind":"organization","id":"vooruit","request_id":"s1",)"
                  R"("record":{"displayName":"Vooruit","country":"BE"}})"
                  "\n"
                  R"({"kind":"incident","id":"vooruit-2024","request_id":"s2",)"
                  R"("record":{"title":"Ransomware at Vooruit","victims":)"
                  R"([{"organization":"organizations/vooruit"}]}})"
                  "\n"
                  R"({"kind":"incident","id":"no-request-id",)"
                  R"("record":{"title":"Second","victims":)"
                  R"([{"organization":"organizations/vooruit"}]}})"
                  "\n");
  Result first = Atlasctl({"import", "--key", kEditorKey, file});
  ASSERT_EQ(first.exit_code, 0) << first;
  EXPECT_THAT(first.err, HasSubstr("3 records: 3 created, 0 already present"));
  Result second = Atlasctl({"import", "--key", kEditorKey, file});
  ASSERT_EQ(second.exit_code, 0) << second;
  EXPECT_THAT(second.err, HasSubstr("3 records: 0 created, 3 already present"));
  Result json = Atlasctl({"incidents", "get", "vooruit-2024", "-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  EXPECT_THAT(json.out, HasSubstr(R"("title":"Ransomware at Vooruit")"));
}

}  // namespace
}  // namespace atlas::testing
