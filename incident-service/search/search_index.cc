#include "incident-service/search/search_index.h"

#include <algorithm>
#include <filesystem>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace atlas::incident::search {
namespace {

constexpr char kChangelogGeneration[] = "changelog_generation";
constexpr char kChangelogNext[] = "changelog_next";
constexpr char kIndexGeneration[] = "index_generation";
constexpr char kComplete[] = "complete";

absl::Status XapianError(const Xapian::Error& e, absl::string_view what) {
  const std::string message = absl::StrCat("search index: ", what, ": ",
                                           e.get_type(), ": ", e.get_msg());
  if (absl::string_view(e.get_type()) == "DatabaseLockError") {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

std::string NewIndexGeneration() {
  absl::BitGen bits;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bits),
                         absl::Uniform<uint64_t>(bits));
}

IndexPosition ReadPosition(const Xapian::Database& db) {
  IndexPosition p;
  p.changelog_generation = db.get_metadata(kChangelogGeneration);
  if (!absl::SimpleAtoi(db.get_metadata(kChangelogNext), &p.changelog_next)) {
    p.changelog_next = 0;
  }
  p.complete = db.get_metadata(kComplete) == "1";
  return p;
}

void WritePosition(Xapian::WritableDatabase& db, const IndexPosition& p) {
  db.set_metadata(kChangelogGeneration, p.changelog_generation);
  db.set_metadata(kChangelogNext, absl::StrCat(p.changelog_next));
  db.set_metadata(kComplete, p.complete ? "1" : "");
}

}  // namespace

std::string SearchIndex::PathOf(Tier tier) const {
  return absl::StrCat(dir_, tier == Tier::kPublic ? "/public" : "/members");
}

absl::StatusOr<std::unique_ptr<SearchIndex>> SearchIndex::Open(
    const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("search index: cannot make ", dir, ": ", ec.message()));
  }
  std::unique_ptr<SearchIndex> index(new SearchIndex(dir));
  try {
    index->public_ = Xapian::WritableDatabase(index->PathOf(Tier::kPublic),
                                              Xapian::DB_CREATE_OR_OPEN);
    index->members_ = Xapian::WritableDatabase(index->PathOf(Tier::kMembers),
                                               Xapian::DB_CREATE_OR_OPEN);
    IndexPosition a = ReadPosition(index->public_);
    IndexPosition b = ReadPosition(index->members_);
    absl::MutexLock lock(&index->mu_);
    // Halves that disagree resume from the one behind (or rebuild when they
    // follow different changelogs or a rebuild was cut short).
    if (a.changelog_generation != b.changelog_generation) {
      a = IndexPosition{};
    } else {
      a.changelog_next = std::min(a.changelog_next, b.changelog_next);
      a.complete = a.complete && b.complete;
    }
    index->position_ = a;
    index->index_generation_ = index->public_.get_metadata(kIndexGeneration);
    if (index->index_generation_ !=
        index->members_.get_metadata(kIndexGeneration)) {
      index->position_ = IndexPosition{};
    }
  } catch (const Xapian::Error& e) {
    return XapianError(e, dir);
  }
  return index;
}

absl::Status SearchIndex::Put(const IncidentText& members_view) {
  try {
    Xapian::Document members = BuildSearchDocument(members_view);
    const std::string id_term =
        absl::StrCat(kIdPrefix, DocumentIncidentId(members));
    members_.replace_document(id_term, members);
    public_.replace_document(id_term,
                             BuildSearchDocument(PublicView(members_view)));
  } catch (const Xapian::Error& e) {
    return XapianError(e, "put");
  }
  return absl::OkStatus();
}

absl::Status SearchIndex::Remove(absl::string_view incident_id) {
  try {
    const std::string id_term = absl::StrCat(kIdPrefix, incident_id);
    members_.delete_document(id_term);
    public_.delete_document(id_term);
  } catch (const Xapian::Error& e) {
    return XapianError(e, "remove");
  }
  return absl::OkStatus();
}

absl::Status SearchIndex::Commit(const IndexPosition& position) {
  try {
    // The members' half first: after a crash between the two commits the
    // public half is behind, and Open resumes from it.
    WritePosition(members_, position);
    members_.commit();
    WritePosition(public_, position);
    public_.commit();
  } catch (const Xapian::Error& e) {
    return XapianError(e, "commit");
  }
  absl::MutexLock lock(&mu_);
  position_ = position;
  return absl::OkStatus();
}

absl::Status SearchIndex::Clear(const std::string& changelog_generation) {
  const std::string generation = NewIndexGeneration();
  const IndexPosition position{changelog_generation, 0, false};
  try {
    for (Tier tier : {Tier::kPublic, Tier::kMembers}) {
      Xapian::WritableDatabase& db = Writable(tier);
      std::vector<std::string> ids;  // collected first: deleting
      for (auto it = db.allterms_begin(std::string(kIdPrefix));
           it != db.allterms_end(std::string(kIdPrefix)); ++it) {
        ids.push_back(*it);
      }
      for (const std::string& id_term : ids) db.delete_document(id_term);
      db.set_metadata(kIndexGeneration, generation);
      WritePosition(db, position);
      db.commit();
    }
  } catch (const Xapian::Error& e) {
    return XapianError(e, "clear");
  }
  absl::MutexLock lock(&mu_);
  position_ = position;
  index_generation_ = generation;
  return absl::OkStatus();
}

IndexPosition SearchIndex::position() const {
  absl::MutexLock lock(&mu_);
  return position_;
}

std::string SearchIndex::index_generation() const {
  absl::MutexLock lock(&mu_);
  return index_generation_;
}

absl::StatusOr<std::unique_ptr<Xapian::Database>> SearchIndex::Acquire(
    Tier tier) {
  std::unique_ptr<Xapian::Database> db;
  {
    absl::MutexLock lock(&mu_);
    auto& idle = tier == Tier::kPublic ? idle_public_ : idle_members_;
    if (!idle.empty()) {
      db = std::move(idle.back());
      idle.pop_back();
    }
  }
  try {
    if (db == nullptr) {
      db = std::make_unique<Xapian::Database>(PathOf(tier));
    } else {
      db->reopen();
    }
  } catch (const Xapian::Error& e) {
    return XapianError(e, PathOf(tier));
  }
  return db;
}

void SearchIndex::Release(Tier tier,
                          std::unique_ptr<Xapian::Database> database) {
  absl::MutexLock lock(&mu_);
  auto& idle = tier == Tier::kPublic ? idle_public_ : idle_members_;
  if (idle.size() < 64) idle.push_back(std::move(database));
}

}  // namespace atlas::incident::search
