// search_bench: what full-text search costs (issue 16; docs/benchmarks.md,
// "Search"). In-process: IncidentCore over fresh RocksDBs (no gRPC,
// victims taken as existing), synthetic incidents (bench/synthetic.h)
// whose descriptions are 30 words drawn from a 50,000-word vocabulary
// with Zipf's law (s = 1), so that posting lists have the spread of real
// text. Prints, one line each:
//
//   search_create  the rate of creates (batches of --create_batch, WAL
//                  synced as in production) on a database without and on
//                  one with the live indexer, in alternating rounds, and
//                  their ratio; then the indexer's lag at the end
//   search_build   a rebuild of the index from the store of --incidents
//                  incidents: incidents per second, and the size on disk
//   search_query   per query kind (one word, two words, a phrase, a word
//                  with a filter, a public caller's word), --threads
//                  concurrent callers each running --queries searches:
//                  p50 and p99 latency, and the mean matches
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/every_organization_exists.h"
#include "bench/synthetic.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/auth/api_keys.h"
#include "common/logging/log.h"
#include "incident-service/attack_catalog.h"
#include "incident-service/changelog.h"
#include "incident-service/incident_core.h"
#include "incident-service/incident_store.h"
#include "incident-service/search/incident_search.h"
#include "incident-service/search/search_index.h"
#include "incident-service/search/search_indexer.h"

ABSL_FLAG(std::string, dir, "/tmp/search_bench",
          "working directory (must not exist; removed at the end)");
ABSL_FLAG(std::string, attack_dir, "incident-service/data/attack",
          "ATT&CK data directory");
ABSL_FLAG(std::string, veris_dir, "datasets/veris",
          "VERIS enumerations directory (verisc-enum.json)");
ABSL_FLAG(int64_t, incidents, 10000, "incidents indexed and searched");
ABSL_FLAG(int64_t, orgs, 1000, "organisations the victims are drawn from");
ABSL_FLAG(int64_t, creates, 2000,
          "incidents created per database in the create comparison");
ABSL_FLAG(int, create_batch, 20, "incidents per BatchCreateIncidents call");
ABSL_FLAG(int, threads, 16, "concurrent searches");
ABSL_FLAG(int, queries, 50, "searches per thread and query kind");

namespace {

namespace incident = atlas::incident;
namespace search = atlas::incident::search;

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "%s\n", s.ToString().c_str());
  return 1;
}

// A pronounceable word per vocabulary rank ("kabelo").
std::string Word(int rank) {
  static const char* kSyllables[] = {"ka", "be", "lo", "mi", "nu", "ra",
                                     "so", "ti", "ve", "zu", "da", "fe",
                                     "go", "hi", "ju", "pe", "qu", "wy"};
  std::string word;
  int r = rank + 18 * 18;  // at least three syllables
  while (r > 0) {
    word += kSyllables[r % 18];
    r /= 18;
  }
  return word;
}

// Ranks drawn with Zipf's law over `size` words.
class ZipfWords {
 public:
  explicit ZipfWords(int size) : cumulative_(size) {
    double sum = 0;
    for (int r = 0; r < size; ++r) {
      sum += 1.0 / (r + 1);
      cumulative_[r] = sum;
    }
    for (double& c : cumulative_) c /= sum;
  }
  int Draw(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return static_cast<int>(
        std::lower_bound(cumulative_.begin(), cumulative_.end(), u) -
        cumulative_.begin());
  }

 private:
  std::vector<double> cumulative_;
};

// One incident-service's state: store, changelog, core; optionally the
// index and its indexer.
struct Service {
  std::unique_ptr<incident::IncidentStore> store;
  std::unique_ptr<incident::Changelog> changelog;
  std::unique_ptr<incident::IncidentCore> core;
  std::unique_ptr<search::SearchIndex> index;
  std::unique_ptr<search::SearchIndexer> indexer;
};

struct Shared {
  atlas::bench::EveryOrganizationExists directory;
  const incident::AttackCatalog* attack = nullptr;
  const atlas::api::CountryList* countries = nullptr;
  const atlas::veris::VerisVocabulary* veris = nullptr;
};

absl::StatusOr<Service> OpenService(const std::string& dir, bool sync,
                                    Shared& shared) {
  Service s;
  std::filesystem::create_directories(dir);
  auto store = incident::IncidentStore::Open(dir + "/db", sync);
  if (!store.ok()) return store.status();
  s.store = *std::move(store);
  auto changelog = incident::Changelog::Open(*s.store);
  if (!changelog.ok()) return changelog.status();
  s.changelog = *std::move(changelog);
  s.core = std::make_unique<incident::IncidentCore>(
      incident::IncidentCore::Collaborators{
          .store = s.store.get(),
          .changelog = s.changelog.get(),
          .directory = &shared.directory,
          .attack = shared.attack,
          .countries = shared.countries,
          .veris = shared.veris,
          .clock = &atlas::api::RealClock::Get()});
  return s;
}

absl::Status StartIndexer(Service& s, const std::string& dir, bool rebuild) {
  auto index = search::SearchIndex::Open(dir + "/search-index");
  if (!index.ok()) return index.status();
  s.index = *std::move(index);
  s.indexer = std::make_unique<search::SearchIndexer>(
      *s.store, *s.changelog, *s.index,
      search::SearchIndexer::Options{.rebuild = rebuild});
  s.indexer->Start();
  return absl::OkStatus();
}

class Corpus {
 public:
  Corpus(int64_t orgs, const std::string& attack_dir)
      : synthetic_(orgs, attack_dir + "/enterprise-techniques.tsv"),
        zipf_(50000) {}
  incident::v1::Incident Incident(int64_t i) const {
    incident::v1::Incident inc = synthetic_.Incident(i);
    std::mt19937_64 rng(0x5ea7c4 + i);
    std::string text;
    for (int w = 0; w < 30; ++w) {
      absl::StrAppend(&text, w == 0 ? "" : " ", Word(zipf_.Draw(rng)));
    }
    inc.set_description(text);
    return inc;
  }

 private:
  atlas::bench::Synthetic synthetic_;
  ZipfWords zipf_;
};

absl::Status Create(Service& s, const Corpus& corpus, int64_t first,
                    int64_t count, int batch_size) {
  const atlas::auth::Caller editor{atlas::auth::Role::kEditor, "bench"};
  for (int64_t at = first; at < first + count; at += batch_size) {
    incident::v1::BatchCreateIncidentsRequest batch;
    for (int64_t i = at; i < std::min(first + count, at + batch_size); ++i) {
      auto* request = batch.add_requests();
      *request->mutable_incident() = corpus.Incident(i);
      request->set_incident_id(atlas::bench::IncidentId(i));
    }
    auto created = s.core->BatchCreateIncidents(editor, batch);
    if (!created.ok()) return created.status();
  }
  return absl::OkStatus();
}

double Percentile(std::vector<double>& v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) bytes += e.file_size();
  }
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  atlas::log::SetMinLevel(atlas::log::Level::kWarning);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  if (std::filesystem::exists(dir)) {
    std::fprintf(stderr, "--dir %s exists\n", dir.c_str());
    return 2;
  }
  auto attack = incident::AttackCatalog::Load(absl::GetFlag(FLAGS_attack_dir));
  if (!attack.ok()) return Fail(attack.status());
  auto veris =
      atlas::veris::VerisVocabulary::Load(absl::GetFlag(FLAGS_veris_dir));
  if (!veris.ok()) return Fail(veris.status());
  auto countries = atlas::api::CountryList::Default();
  if (!countries.ok()) return Fail(countries.status());
  Shared shared;
  shared.attack = &*attack;
  shared.countries = *countries;
  shared.veris = &*veris;
  const Corpus corpus(absl::GetFlag(FLAGS_orgs),
                      absl::GetFlag(FLAGS_attack_dir));

  // 1. Creates without and with the live indexer, alternating rounds of a
  // quarter each so that a change of load on the machine falls on both.
  {
    auto plain = OpenService(dir + "/plain", /*sync=*/true, shared);
    if (!plain.ok()) return Fail(plain.status());
    auto indexed = OpenService(dir + "/indexed", /*sync=*/true, shared);
    if (!indexed.ok()) return Fail(indexed.status());
    if (absl::Status s = StartIndexer(*indexed, dir + "/indexed", false);
        !s.ok()) {
      return Fail(s);
    }
    const int64_t creates = absl::GetFlag(FLAGS_creates);
    const int batch = absl::GetFlag(FLAGS_create_batch);
    absl::Duration plain_time, indexed_time;
    for (int round = 0; round < 4; ++round) {
      const int64_t first = round * creates / 4;
      const int64_t count = (round + 1) * creates / 4 - first;
      for (Service* s : {&*plain, &*indexed}) {
        const absl::Time t0 = absl::Now();
        if (absl::Status c = Create(*s, corpus, first, count, batch); !c.ok()) {
          return Fail(c);
        }
        (s == &*plain ? plain_time : indexed_time) += absl::Now() - t0;
      }
    }
    const absl::Time t0 = absl::Now();
    indexed->indexer->WaitApplied(indexed->changelog->durable_next_sequence(),
                                  absl::Minutes(10));
    const double lag_ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
    const double plain_rate = creates / absl::ToDoubleSeconds(plain_time);
    const double indexed_rate = creates / absl::ToDoubleSeconds(indexed_time);
    std::printf(
        "search_create creates=%lld batch=%d without_indexer_per_s=%.0f "
        "with_indexer_per_s=%.0f ratio=%.3f indexer_lag_at_end_ms=%.0f\n",
        static_cast<long long>(creates), batch, plain_rate, indexed_rate,
        indexed_rate / plain_rate, lag_ms);
    indexed->indexer->Stop();
    for (Service* s : {&*plain, &*indexed}) {
      if (absl::Status c = s->store->Close(); !c.ok()) return Fail(c);
    }
  }

  // 2. The index of --incidents, rebuilt from the store.
  const int64_t count = absl::GetFlag(FLAGS_incidents);
  auto service = OpenService(dir + "/main", /*sync=*/false, shared);
  if (!service.ok()) return Fail(service.status());
  if (absl::Status c = Create(*service, corpus, 0, count, 1000); !c.ok()) {
    return Fail(c);
  }
  const absl::Time build_start = absl::Now();
  if (absl::Status s = StartIndexer(*service, dir + "/main", true); !s.ok()) {
    return Fail(s);
  }
  if (!service->indexer->WaitApplied(
          service->changelog->durable_next_sequence(), absl::Hours(2))) {
    return Fail(absl::DeadlineExceededError("index build"));
  }
  const double build_s = absl::ToDoubleSeconds(absl::Now() - build_start);
  std::printf(
      "search_build incidents=%lld seconds=%.1f incidents_per_s=%.0f "
      "index_mb=%.1f database_mb=%.1f\n",
      static_cast<long long>(count), build_s, count / build_s,
      DirectoryBytes(dir + "/main/search-index") / 1e6,
      DirectoryBytes(dir + "/main/db") / 1e6);

  // 3. Queries, --threads at a time.
  search::IncidentSearch searcher(*service->store, *service->index,
                                  *service->indexer);
  const atlas::auth::Caller member{atlas::auth::Role::kMember, "bench"};
  const atlas::auth::Caller visitor{atlas::auth::Role::kPublic, ""};
  struct Kind {
    const char* name;
    std::function<incident::v1::SearchIncidentsRequest(std::mt19937_64&)> make;
    const atlas::auth::Caller* caller;
  };
  auto word = [](std::mt19937_64& rng, int lo, int hi) {
    return Word(lo + static_cast<int>(rng() % (hi - lo)));
  };
  const std::vector<Kind> kinds = {
      {"one_word",
       [&](std::mt19937_64& rng) {
         incident::v1::SearchIncidentsRequest r;
         r.set_query(word(rng, 10, 1000));
         return r;
       },
       &member},
      {"two_words",
       [&](std::mt19937_64& rng) {
         incident::v1::SearchIncidentsRequest r;
         r.set_query(absl::StrCat(word(rng, 10, 300), " ", word(rng, 10, 300)));
         return r;
       },
       &member},
      {"phrase",
       [&](std::mt19937_64& rng) {
         static const char* kPhrases[] = {
             "\"ransomware attack\"", "\"data breach\"",
             "\"website defacement\"", "\"mailbox compromise\"",
             "\"data protection authority\""};
         incident::v1::SearchIncidentsRequest r;
         r.set_query(kPhrases[rng() % 5]);
         return r;
       },
       &member},
      {"filtered",
       [&](std::mt19937_64& rng) {
         static const char* kFilters[] = {
             "country = \"BE\"", "country = \"NL\" AND start >= 2020",
             "incident_type = RANSOMWARE", "start >= 2024-01-01"};
         incident::v1::SearchIncidentsRequest r;
         r.set_query(word(rng, 10, 1000));
         r.set_filter(kFilters[rng() % 4]);
         return r;
       },
       &member},
      {"public_one_word",
       [&](std::mt19937_64& rng) {
         incident::v1::SearchIncidentsRequest r;
         r.set_query(word(rng, 10, 1000));
         return r;
       },
       &visitor},
  };
  const int threads = absl::GetFlag(FLAGS_threads);
  const int queries = absl::GetFlag(FLAGS_queries);
  for (const Kind& kind : kinds) {
    std::vector<std::vector<double>> us(threads);
    std::vector<int64_t> matches(threads, 0);
    std::atomic<bool> failed{false};
    std::vector<std::thread> pool;
    const absl::Time t0 = absl::Now();
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        std::mt19937_64 rng(1000 + t);
        for (int q = 0; q < queries; ++q) {
          const incident::v1::SearchIncidentsRequest r = kind.make(rng);
          const absl::Time start = absl::Now();
          auto response = searcher.Search(*kind.caller, r);
          us[t].push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
          if (!response.ok()) {
            std::fprintf(stderr, "%s\n", response.status().ToString().c_str());
            failed = true;
            return;
          }
          matches[t] += response->total_size();
        }
      });
    }
    for (std::thread& t : pool) t.join();
    if (failed) return 1;
    const double seconds = absl::ToDoubleSeconds(absl::Now() - t0);
    std::vector<double> all;
    int64_t total_matches = 0;
    for (int t = 0; t < threads; ++t) {
      all.insert(all.end(), us[t].begin(), us[t].end());
      total_matches += matches[t];
    }
    std::printf(
        "search_query incidents=%lld kind=%s in_flight=%d searches=%zu "
        "per_s=%.0f p50_ms=%.2f p99_ms=%.2f mean_matches=%.0f\n",
        static_cast<long long>(count), kind.name, threads, all.size(),
        all.size() / seconds, Percentile(all, 0.5) / 1000,
        Percentile(all, 0.99) / 1000,
        static_cast<double>(total_matches) / all.size());
  }
  service->indexer->Stop();
  absl::Status closed = service->store->Close();
  std::filesystem::remove_all(dir);
  return closed.ok() ? 0 : Fail(closed);
}
