// catalog_scale: in-process figures for issue 12's findings 7 and 8, run by
// `scripts/bench.sh --only catalog-scale` (or alone). Core level: the
// catalog's own CatalogStore, CatalogCore and IncidentReadModel on a real
// RocksDB in a temp dir, no gRPC.
//
// 1. SearchOrganizations latency at --orgs_small and --orgs_large
//    organisations (the first page of 50 and the page after it, median and
//    p99 over --calls calls per query). Organisations are written straight
//    through CatalogStore::PutOrganization (the create path's key layout,
//    search index included, without validation or WAL sync) so that 1M
//    load in about a minute.
// 2. The read-model apply rate for one organisation named by --incidents
//    incidents (CREATED changes, dates spread over 30 years): changes are
//    appended as the follower does (AppendIncidentChange, synced WAL, one
//    WaitDurable per 100 changes); the rate is printed per thousand so
//    linearity shows (the O(n) model slowed down with every thousand).
//    Then again with the WAL unsynced (sync=no): the read model's own
//    cost, without the disk's sync latency.
//
// Prints `catalog_scale ...` lines: key=value figures.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "atlas/catalog/v1/catalog_service.pb.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "catalog-service/catalog_core.h"
#include "catalog-service/catalog_store.h"
#include "common/api/time/clock.h"
#include "common/api/types/countries.h"
#include "common/auth/api_keys.h"
#include "common/logging/log.h"
#include "google/protobuf/util/time_util.h"

ABSL_FLAG(int64_t, orgs_small, 10000, "organisations, first search size");
ABSL_FLAG(int64_t, orgs_large, 1000000, "organisations, second search size");
ABSL_FLAG(int, calls, 200, "calls per search query and size");
ABSL_FLAG(int64_t, incidents, 10000,
          "incidents naming the one organisation (read-model rate)");
ABSL_FLAG(std::string, dir, "", "work directory (default: a new temp dir)");

namespace atlas::catalog {
namespace {

constexpr const char* kWords[] = {
    "Brussels", "Omega",     "Open",      "Office",   "Group",  "Partners",
    "Nordic",   "Atlas",     "Union",     "Regional", "Health", "Digital",
    "Energy",   "Transport", "Ministry",  "Bank",     "Media",  "Research",
    "Alliance", "Federal",   "Orchestra", "Logistic", "Civic",  "Green",
    "Harbor",   "Insurance", "Lab",       "Network",  "School", "Water",
    "Rail",     "Council",   "Agency",    "Studio",   "Press",  "Systems"};
constexpr int kWordCount = sizeof(kWords) / sizeof(kWords[0]);

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Organisation i: three or four words and a number, an alias for one in
// four, one domain.
v1::Organization Synthetic(int64_t i) {
  uint64_t r = Mix(static_cast<uint64_t>(i));
  v1::Organization org;
  org.set_name(absl::StrCat("organizations/org-", i));
  std::string name =
      absl::StrCat(kWords[r % kWordCount], " ", kWords[(r >> 8) % kWordCount]);
  if ((r >> 16) % 2 == 0) {
    absl::StrAppend(&name, " ", kWords[(r >> 24) % kWordCount]);
  }
  absl::StrAppend(&name, " ", i);
  org.set_display_name(name);
  if ((r >> 32) % 4 == 0) {
    org.add_aliases(absl::StrCat(kWords[(r >> 40) % kWordCount], " ",
                                 kWords[(r >> 48) % kWordCount], " ", i));
  }
  org.add_domains(absl::StrCat("org", i, ".example"));
  org.set_organization_type(v1::COMPANY);
  *org.mutable_create_time() =
      google::protobuf::util::TimeUtil::GetCurrentTime();
  *org.mutable_update_time() = org.create_time();
  return org;
}

absl::Status Load(CatalogStore& store, int64_t from, int64_t to) {
  storage::WriteBatch batch;
  for (int64_t i = from; i < to; ++i) {
    v1::Organization org = Synthetic(i);
    CatalogStore::PutOrganization(org, nullptr, &batch);
    if (batch.size() >= 8192 || i + 1 == to) {
      absl::Status s = store.db().Write(batch);
      if (!s.ok()) return s;
      batch = storage::WriteBatch();
    }
  }
  return absl::OkStatus();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  return v[k];
}

int SearchFigures(CatalogCore& core, int64_t orgs) {
  const auth::Caller public_caller{};
  // Broad (one letter), word prefixes (common word, rarer word), an exact
  // display name, a trailing word most names share, and no match.
  const std::string exact = Synthetic(orgs / 2).display_name();
  const std::vector<std::string> queries = {"o",   "bru",   "orch",
                                            exact, "group", "zzzz"};
  const int calls = absl::GetFlag(FLAGS_calls);
  for (const std::string& q : queries) {
    std::vector<double> first_ms, next_ms;
    int results = 0;
    bool token = false;
    for (int c = 0; c < calls; ++c) {
      v1::SearchOrganizationsRequest request;
      request.set_query(q);
      request.set_page_size(50);
      absl::Time t0 = absl::Now();
      auto page = core.SearchOrganizations(public_caller, request);
      first_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
      if (!page.ok()) {
        std::fprintf(stderr, "search %s: %s\n", q.c_str(),
                     page.status().ToString().c_str());
        return 1;
      }
      results = page->results_size();
      token = !page->next_page_token().empty();
      if (token) {
        request.set_page_token(page->next_page_token());
        t0 = absl::Now();
        auto next = core.SearchOrganizations(public_caller, request);
        next_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
        if (!next.ok()) return 1;
      }
    }
    std::printf(
        "catalog_scale search orgs=%lld query=\"%s\" page1_results=%d "
        "more=%s page1_median_ms=%.3f page1_p99_ms=%.3f page2_median_ms=%.3f "
        "page2_p99_ms=%.3f\n",
        static_cast<long long>(orgs), q.c_str(), results, token ? "yes" : "no",
        Percentile(first_ms, 0.5), Percentile(first_ms, 0.99),
        Percentile(next_ms, 0.5), Percentile(next_ms, 0.99));
    std::fflush(stdout);
  }
  return 0;
}

int ReadModelFigures(const std::string& dir, const api::CountryList& countries,
                     bool sync) {
  auto store = CatalogStore::Open(dir, sync);
  if (!store.ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(),
                 store.status().ToString().c_str());
    return 1;
  }
  api::RealClock clock;
  CatalogCore core(**store, clock, countries);
  {
    storage::WriteBatch batch;
    v1::Organization target = Synthetic(0);
    target.set_name("organizations/target");
    target.clear_domains();
    CatalogStore::PutOrganization(target, nullptr, &batch);
    if (!(*store)->db().Write(batch).ok()) return 1;
  }
  const int64_t n = absl::GetFlag(FLAGS_incidents);
  IncidentReadModel& model = core.read_model();
  absl::Time start = absl::Now(), chunk_start = start;
  storage::WriteToken token = 0;
  for (int64_t i = 1; i <= n; ++i) {
    incident::v1::IncidentChange change;
    change.set_sequence(i);
    change.set_change_type(incident::v1::IncidentChange::CREATED);
    change.mutable_incident()->set_name(absl::StrCat("incidents/inc-", i));
    uint64_t r = Mix(static_cast<uint64_t>(i));
    auto* date = change.mutable_incident()->mutable_start_date();
    date->set_year(1995 + static_cast<int>(r % 30));
    date->set_month(1 + static_cast<int>((r >> 8) % 12));
    change.mutable_incident()->add_victims()->set_organization(
        "organizations/target");
    auto appended = model.AppendIncidentChange(change);
    if (!appended.ok()) {
      std::fprintf(stderr, "apply %lld: %s\n", static_cast<long long>(i),
                   appended.status().ToString().c_str());
      return 1;
    }
    token = *appended;
    if (i % 100 == 0 && !model.WaitDurable(token).ok()) return 1;
    if (i % 1000 == 0 || i == n) {
      absl::Time now = absl::Now();
      int64_t in_chunk = i % 1000 == 0 ? 1000 : i % 1000;
      std::printf(
          "catalog_scale read_model sync=%s incidents=%lld..%lld "
          "changes_per_s=%.0f\n",
          sync ? "yes" : "no", static_cast<long long>(i - in_chunk + 1),
          static_cast<long long>(i),
          static_cast<double>(in_chunk) /
              absl::ToDoubleSeconds(now - chunk_start));
      std::fflush(stdout);
      chunk_start = now;
    }
  }
  if (!model.WaitDurable(token).ok()) return 1;
  double total = absl::ToDoubleSeconds(absl::Now() - start);
  auto org = (*store)->GetOrganization("target");
  std::printf(
      "catalog_scale read_model sync=%s total incidents=%lld seconds=%.2f "
      "changes_per_s=%.0f incident_count=%d linked_incidents=%d\n",
      sync ? "yes" : "no", static_cast<long long>(n), total,
      static_cast<double>(n) / total, org.ok() ? org->incident_count() : -1,
      org.ok() ? org->linked_incidents_size() : -1);
  return (*store)->Close().ok() ? 0 : 1;
}

int Main() {
  log::SetMinLevel(log::Level::kWarning);
  std::string dir = absl::GetFlag(FLAGS_dir);
  bool temp = dir.empty();
  if (temp) {
    char tmpl[] = "/tmp/atlas-catalog-scale.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    std::fprintf(stderr, "cannot create %s: %s\n", dir.c_str(),
                 error.message().c_str());
    return 1;
  }
  auto countries = api::CountryList::Parse(
      R"json({"3166-1": [{"alpha_2": "BE", "name": "Belgium"}]})json");
  if (!countries.ok()) return 1;
  int rc = ReadModelFigures(dir + "/read-model", *countries, true);
  if (rc == 0) {
    rc = ReadModelFigures(dir + "/read-model-unsynced", *countries, false);
  }
  if (rc == 0) {
    auto store = CatalogStore::Open(dir + "/search", /*sync_writes=*/false);
    if (!store.ok()) {
      std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
      return 1;
    }
    api::RealClock clock;
    CatalogCore core(**store, clock, *countries);
    int64_t loaded = 0;
    for (int64_t size :
         {absl::GetFlag(FLAGS_orgs_small), absl::GetFlag(FLAGS_orgs_large)}) {
      absl::Time t0 = absl::Now();
      if (!Load(**store, loaded, size).ok()) return 1;
      std::printf("catalog_scale load orgs=%lld seconds=%.1f\n",
                  static_cast<long long>(size),
                  absl::ToDoubleSeconds(absl::Now() - t0));
      loaded = std::max(loaded, size);
      rc = SearchFigures(core, size);
      if (rc != 0) break;
    }
    if (!(*store)->Close().ok()) rc = 1;
  }
  if (temp) std::filesystem::remove_all(dir);
  return rc;
}

}  // namespace
}  // namespace atlas::catalog

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return atlas::catalog::Main();
}
