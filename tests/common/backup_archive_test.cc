// Tests of the backup stream, its file and the restore into a database
// directory (common/storage/backup_*.h), on a real RocksDB in a per-test
// temp dir: a round trip through a checkpoint, and every refusal with its
// exact code.
#include "common/storage/backup_archive.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/storage/backup_format.h"
#include "common/storage/backup_restore.h"
#include "common/storage/backup_snapshot.h"
#include "common/storage/rocks_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::storage {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::atlas::admin::v1;
using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::atlas::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int kData = 0;
constexpr char kService[] = "test-service";

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& e : fs::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  return names;
}

class BackupArchiveTest : public ::testing::Test {
 protected:
  std::unique_ptr<RocksStore> OpenStore(const std::string& path) {
    RocksStore::Options options;
    options.path = path;
    options.column_families = {"data", "meta"};
    options.block_cache_bytes = 1 << 20;
    options.sync_writes = false;  // what is tested is the copy, not the sync
    auto store = RocksStore::Open(std::move(options));
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  // A database with `keys` keys (values large enough to span several
  // 1 MiB chunks), written to a backup file; returns the file's path.
  std::string MakeBackup(int keys = 3000, const std::string& name = "b.bak",
                         int layout = 2) {
    auto store = OpenStore(dir_.Sub("source"));
    std::mt19937 random(7);  // incompressible values: several MB on disk
    for (int i = 0; i < keys; ++i) {
      std::string value(1000, '\0');
      for (char& c : value) c = static_cast<char>(random() & 0xff);
      WriteBatch batch;
      batch.Put(kData, "key" + std::to_string(i), value);
      EXPECT_THAT(store->Write(batch), IsOk());
    }
    v1::BackupHeader header;
    header.set_service(kService);
    header.set_layout_version(layout);
    auto snapshot = BackupSnapshot::Take(*store, header);
    EXPECT_THAT(snapshot, IsOk());
    const std::string checkpoint = (*snapshot)->dir();
    EXPECT_TRUE(fs::exists(checkpoint));
    const std::string path = dir_.Sub(name);
    auto writer = BackupFileWriter::Create(path);
    EXPECT_THAT(writer, IsOk());
    v1::BackupChunk chunk;
    while (true) {
      auto next = (*snapshot)->Next(&chunk);
      EXPECT_THAT(next, IsOk());
      if (!next.ok() || !*next) break;
      EXPECT_THAT((*writer)->Append(chunk), IsOk());
    }
    EXPECT_THAT((*writer)->Commit(), IsOk());
    snapshot->reset();
    EXPECT_FALSE(fs::exists(checkpoint)) << "the checkpoint is removed";
    return path;
  }

  RestoreOptions Restore(const std::string& backup, const std::string& db) {
    return RestoreOptions{.backup_path = backup,
                          .db_path = db,
                          .service = kService,
                          .max_layout_version = 2};
  }

  // Reads a backup file's bytes, lets `edit` change them, writes it back.
  void EditFile(const std::string& path,
                const std::function<void(std::string&)>& edit) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    in.close();
    edit(bytes);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }

  TempDir dir_;
};

TEST_F(BackupArchiveTest, RoundTripRestoresEveryKeyAndOpens) {
  const std::string backup = MakeBackup();
  const std::string db = dir_.Sub("restored");
  auto restored = RestoreBackup(Restore(backup, db));
  ASSERT_THAT(restored, IsOk());
  EXPECT_TRUE(restored->restored);
  EXPECT_EQ(restored->header.service(), kService);
  EXPECT_EQ(restored->header.format_version(), kBackupFormatVersion);
  EXPECT_EQ(restored->header.backup_id().size(), 32u);
  EXPECT_GT(restored->bytes, 1 << 20) << "spans several data chunks";
  // Started, not finished, until the service says so.
  EXPECT_THAT(CheckNoUnfinishedRestore(db),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(restored->header.backup_id())));
  ASSERT_THAT(FinishRestore(db), IsOk());
  EXPECT_THAT(CheckNoUnfinishedRestore(db), IsOk());
  auto store = OpenStore(db);
  ASSERT_NE(store, nullptr);
  for (int i : {0, 1234, 2999}) {
    EXPECT_THAT(store->Get(kData, "key" + std::to_string(i)), IsOk()) << i;
  }
}

TEST_F(BackupArchiveTest, VerifyOnlyReadsTheWholeFile) {
  const std::string backup = MakeBackup(50);
  auto reader = BackupFileReader::Open(backup);
  ASSERT_THAT(reader, IsOk());
  BackupVerifier verifier;
  v1::BackupChunk chunk;
  int chunks = 0;
  while (true) {
    auto next = (*reader)->Next(&chunk);
    ASSERT_THAT(next, IsOk());
    if (!*next) break;
    ASSERT_THAT(verifier.Accept(chunk), IsOk());
    ++chunks;
  }
  EXPECT_THAT(verifier.Finish(), IsOk());
  EXPECT_GT(verifier.files(), 3);
  EXPECT_GT(chunks, 3 * verifier.files());
}

TEST_F(BackupArchiveTest, SameBackupAgainAfterAFinishedRestoreOpensAsIs) {
  const std::string backup = MakeBackup(10);
  const std::string db = dir_.Sub("restored");
  ASSERT_THAT(RestoreBackup(Restore(backup, db)), IsOk());
  ASSERT_THAT(FinishRestore(db), IsOk());
  auto again = RestoreBackup(Restore(backup, db));
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->restored);
}

TEST_F(BackupArchiveTest, SameBackupAgainAfterAnUnfinishedRestoreStartsOver) {
  const std::string backup = MakeBackup(10);
  const std::string db = dir_.Sub("restored");
  ASSERT_THAT(RestoreBackup(Restore(backup, db)), IsOk());
  std::ofstream(db + "/LEFTOVER") << "from the crashed attempt";
  auto again = RestoreBackup(Restore(backup, db));
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->restored);
  EXPECT_FALSE(fs::exists(db + "/LEFTOVER"));
}

TEST_F(BackupArchiveTest, RefusesANonEmptyDirectory) {
  const std::string backup = MakeBackup(10);
  const std::string db = dir_.Sub("busy");
  fs::create_directories(db);
  std::ofstream(db + "/000007.sst") << "x";
  EXPECT_THAT(RestoreBackup(Restore(backup, db)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is not empty")));
  EXPECT_EQ(Entries(db), std::vector<std::string>{"000007.sst"});
}

TEST_F(BackupArchiveTest, AllowsLostAndFound) {
  const std::string backup = MakeBackup(10);
  const std::string db = dir_.Sub("volume");
  fs::create_directories(db + "/lost+found");
  EXPECT_THAT(RestoreBackup(Restore(backup, db)), IsOk());
}

TEST_F(BackupArchiveTest, RefusesAnotherServicesBackup) {
  const std::string backup = MakeBackup(10);
  RestoreOptions options = Restore(backup, dir_.Sub("restored"));
  options.service = "catalog-service";
  EXPECT_THAT(RestoreBackup(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is a backup of test-service")));
  EXPECT_FALSE(fs::exists(dir_.Sub("restored")));
}

TEST_F(BackupArchiveTest, RefusesANewerLayout) {
  const std::string backup = MakeBackup(10, "b.bak", /*layout=*/3);
  EXPECT_THAT(RestoreBackup(Restore(backup, dir_.Sub("restored"))),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("stored layout 3")));
}

TEST_F(BackupArchiveTest, RefusesAMissingFileAndANonBackup) {
  EXPECT_THAT(RestoreBackup(Restore(dir_.Sub("nope.bak"), dir_.Sub("db"))),
              StatusIs(absl::StatusCode::kNotFound));
  std::ofstream(dir_.Sub("text.bak")) << "hello, this is not a backup";
  EXPECT_THAT(RestoreBackup(Restore(dir_.Sub("text.bak"), dir_.Sub("db"))),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not an Atlas backup")));
}

TEST_F(BackupArchiveTest, TruncatedBackupIsDataLossAndLeavesTheDirEmpty) {
  const std::string backup = MakeBackup();
  EditFile(backup, [](std::string& b) { b.resize(b.size() * 2 / 3); });
  const std::string db = dir_.Sub("restored");
  EXPECT_THAT(RestoreBackup(Restore(backup, db)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Entries(db), IsEmpty());
}

TEST_F(BackupArchiveTest, MissingTrailerIsDataLoss) {
  const std::string backup = MakeBackup(10);
  // The trailer is the last record: a few bytes (two varints).
  EditFile(backup, [](std::string& b) { b.resize(b.size() - 6); });
  const std::string db = dir_.Sub("restored");
  EXPECT_THAT(RestoreBackup(Restore(backup, db)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Entries(db), IsEmpty());
}

TEST_F(BackupArchiveTest, FlippedByteFailsTheChecksum) {
  const std::string backup = MakeBackup();
  EditFile(backup, [](std::string& b) { b[b.size() / 2] ^= 0x01; });
  const std::string db = dir_.Sub("restored");
  EXPECT_THAT(RestoreBackup(Restore(backup, db)),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("SHA-256")));
  EXPECT_THAT(Entries(db), IsEmpty());
}

TEST_F(BackupArchiveTest, UnfinishedRestoreOfAnotherBackupIsRefused) {
  const std::string first = MakeBackup(10, "first.bak");
  const std::string db = dir_.Sub("restored");
  ASSERT_THAT(RestoreBackup(Restore(first, db)), IsOk());  // not finished
  const std::string second = MakeBackup(0, "second.bak");
  EXPECT_THAT(RestoreBackup(Restore(second, db)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("unfinished restore")));
  EXPECT_THAT(PrepareDatabaseDirectory(Restore("", db)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("did not finish")));
}

TEST_F(BackupArchiveTest, PartialFileIsRemovedUnlessCommitted) {
  const std::string path = dir_.Sub("x.bak");
  {
    auto writer = BackupFileWriter::Create(path);
    ASSERT_THAT(writer, IsOk());
    v1::BackupChunk chunk;
    chunk.mutable_header()->set_service(kService);
    ASSERT_THAT((*writer)->Append(chunk), IsOk());
    EXPECT_TRUE(fs::exists(path + ".partial"));
  }
  EXPECT_FALSE(fs::exists(path + ".partial"));
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(BackupArchiveTest, RemovesStaleCheckpoints) {
  const std::string db = dir_.Sub("db");
  fs::create_directories(db + "/" + kCheckpointPrefix + "dead/x");
  std::ofstream(db + "/CURRENT") << "keep";
  ASSERT_THAT(RemoveStaleCheckpoints(db), IsOk());
  EXPECT_EQ(Entries(db), std::vector<std::string>{"CURRENT"});
}

// --- The verifier's rules, chunk by chunk ------------------------------------

v1::BackupChunk Header(int format = kBackupFormatVersion) {
  v1::BackupChunk c;
  c.mutable_header()->set_format_version(format);
  c.mutable_header()->set_service(kService);
  c.mutable_header()->set_backup_id("00112233445566778899aabbccddeeff");
  return c;
}
v1::BackupChunk File(const std::string& name, int64_t size) {
  v1::BackupChunk c;
  c.mutable_file()->set_name(name);
  c.mutable_file()->set_size(size);
  return c;
}
v1::BackupChunk Data(const std::string& bytes) {
  v1::BackupChunk c;
  c.set_data(bytes);
  return c;
}
v1::BackupChunk End(const std::string& bytes) {
  Sha256Stream hash;
  hash.Update(bytes);
  v1::BackupChunk c;
  c.mutable_file_end()->set_sha256(hash.Finish());
  return c;
}
v1::BackupChunk Trailer(int64_t files, int64_t bytes) {
  v1::BackupChunk c;
  c.mutable_trailer()->set_file_count(files);
  c.mutable_trailer()->set_total_bytes(bytes);
  return c;
}

TEST(BackupVerifierTest, AcceptsAWholeStream) {
  BackupVerifier v;
  for (const v1::BackupChunk& c :
       {Header(), File("CURRENT", 5), Data("ab"), Data("cde"), End("abcde"),
        File("000001.sst", 0), End(""), Trailer(2, 5)}) {
    ASSERT_THAT(v.Accept(c), IsOk()) << c.ShortDebugString();
  }
  EXPECT_THAT(v.Finish(), IsOk());
}

TEST(BackupVerifierTest, RefusesEachBrokenRule) {
  struct Case {
    const char* what;
    std::vector<v1::BackupChunk> chunks;
    absl::StatusCode code;
  };
  const std::vector<Case> cases = {
      {"no header first", {File("CURRENT", 0)}, absl::StatusCode::kDataLoss},
      {"newer format", {Header(2)}, absl::StatusCode::kFailedPrecondition},
      {"two headers", {Header(), Header()}, absl::StatusCode::kDataLoss},
      {"path traversal",
       {Header(), File("../etc", 0)},
       absl::StatusCode::kDataLoss},
      {"directory part",
       {Header(), File("a/b", 0)},
       absl::StatusCode::kDataLoss},
      {"hidden name", {Header(), File(".x", 0)}, absl::StatusCode::kDataLoss},
      {"same file twice",
       {Header(), File("A", 0), End(""), File("A", 0)},
       absl::StatusCode::kDataLoss},
      {"data outside a file",
       {Header(), Data("x")},
       absl::StatusCode::kDataLoss},
      {"longer than announced",
       {Header(), File("A", 1), Data("xy")},
       absl::StatusCode::kDataLoss},
      {"shorter than announced",
       {Header(), File("A", 2), Data("x"), End("x")},
       absl::StatusCode::kDataLoss},
      {"wrong checksum",
       {Header(), File("A", 1), Data("x"), End("y")},
       absl::StatusCode::kDataLoss},
      {"trailer inside a file",
       {Header(), File("A", 0), Trailer(0, 0)},
       absl::StatusCode::kDataLoss},
      {"trailer miscounts",
       {Header(), File("A", 0), End(""), Trailer(2, 0)},
       absl::StatusCode::kDataLoss},
      {"after the trailer",
       {Header(), Trailer(0, 0), Data("x")},
       absl::StatusCode::kDataLoss},
      {"empty chunk",
       {Header(), v1::BackupChunk()},
       absl::StatusCode::kDataLoss},
  };
  for (const Case& c : cases) {
    BackupVerifier v;
    absl::Status s;
    for (const v1::BackupChunk& chunk : c.chunks) {
      s = v.Accept(chunk);
      if (!s.ok()) break;
    }
    EXPECT_THAT(s, StatusIs(c.code)) << c.what;
  }
  BackupVerifier early;
  ASSERT_THAT(early.Accept(Header()), IsOk());
  EXPECT_THAT(early.Finish(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("ends early")));
}

}  // namespace
}  // namespace atlas::storage
