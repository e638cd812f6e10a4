// list_plan_bench: what one ListIncidents call costs for a filter written
// in either order (docs/benchmarks.md, "List planning"; issue 12, finding
// 6). In-process: IncidentCore over a fresh RocksDB (WAL not synced, no
// gRPC, victims taken as existing), --incidents synthetic incidents
// (bench/synthetic.h), then for each filter the median and the worst of
// --runs first-page calls, and one walk of every page to the end.
// Not part of scripts/bench.sh. Prints one line per filter:
//   list_plan incidents=... filter='...' first_page_median_us=...
//   first_page_max_us=...
//       walk_calls=... walk_ms=... matches=...
// then, for order_by (issue 16, part 4), a page of 50 in each order (the
// median and worst of --runs calls on the first page and on a page deep in
// the walk, reached by following 20 tokens) and the ratio of
// `start_date desc` to the default order:
//   list_order incidents=... order='...' first_page_median_us=...
//       first_page_max_us=... page21_median_us=...
//   list_order_ratio start_date_desc/default first_page=... page21=...
// With --skip_filters only the order lines.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
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

ABSL_FLAG(std::string, db_path, "/tmp/list_plan_bench",
          "RocksDB directory (must not exist)");
ABSL_FLAG(std::string, attack_dir, "incident-service/data/attack",
          "ATT&CK data directory");
ABSL_FLAG(std::string, veris_dir, "datasets/veris",
          "VERIS enumerations directory (verisc-enum.json)");
ABSL_FLAG(int64_t, incidents, 10000, "incidents to create");
ABSL_FLAG(int64_t, orgs, 1000, "organisations the victims are drawn from");
ABSL_FLAG(int, runs, 50, "timed calls per filter, and per order and page");
ABSL_FLAG(bool, skip_filters, false, "measure only the orders");

namespace {

namespace incident = atlas::incident;

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "%s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  atlas::log::SetMinLevel(atlas::log::Level::kWarning);
  auto attack = incident::AttackCatalog::Load(absl::GetFlag(FLAGS_attack_dir));
  if (!attack.ok()) return Fail(attack.status());
  auto veris =
      atlas::veris::VerisVocabulary::Load(absl::GetFlag(FLAGS_veris_dir));
  if (!veris.ok()) return Fail(veris.status());
  auto store = incident::IncidentStore::Open(absl::GetFlag(FLAGS_db_path),
                                             /*sync_writes=*/false);
  if (!store.ok()) return Fail(store.status());
  auto countries = atlas::api::CountryList::Default();
  if (!countries.ok()) return Fail(countries.status());
  auto changelog = incident::Changelog::Open(**store);
  if (!changelog.ok()) return Fail(changelog.status());
  atlas::bench::EveryOrganizationExists directory;
  incident::IncidentCore core({.store = store->get(),
                               .changelog = changelog->get(),
                               .directory = &directory,
                               .attack = &*attack,
                               .countries = *countries,
                               .veris = &*veris,
                               .clock = &atlas::api::RealClock::Get()});
  atlas::bench::Synthetic synth(
      absl::GetFlag(FLAGS_orgs),
      absl::GetFlag(FLAGS_attack_dir) + "/enterprise-techniques.tsv");
  const atlas::auth::Caller editor{atlas::auth::Role::kEditor, "bench"};
  const atlas::auth::Caller member{atlas::auth::Role::kMember, "bench"};
  const int64_t count = absl::GetFlag(FLAGS_incidents);
  for (int64_t first = 0; first < count; first += 1000) {
    incident::v1::BatchCreateIncidentsRequest batch;
    for (int64_t i = first; i < std::min(count, first + 1000); ++i) {
      auto* request = batch.add_requests();
      *request->mutable_incident() = synth.Incident(i);
      request->set_incident_id(atlas::bench::IncidentId(i));
    }
    auto created = core.BatchCreateIncidents(editor, batch);
    if (!created.ok()) return Fail(created.status());
  }

  const std::string one_victim = "organizations/" + atlas::bench::OrgId(1);
  const std::vector<std::string> filters = {
      "country = \"BE\" AND victim = \"organizations/nobody\"",
      "victim = \"organizations/nobody\" AND country = \"BE\"",
      "country = \"BE\" AND victim = \"" + one_victim + "\"",
      "victim = \"" + one_victim + "\" AND country = \"BE\"",
      "start >= 2000 AND victim = \"organizations/nobody\"",
  };
  for (const std::string& filter : filters) {
    if (absl::GetFlag(FLAGS_skip_filters)) break;
    incident::v1::ListIncidentsRequest request;
    request.set_filter(filter);
    std::vector<double> us;
    for (int r = 0; r < absl::GetFlag(FLAGS_runs); ++r) {
      const absl::Time t0 = absl::Now();
      auto page = core.ListIncidents(member, request);
      us.push_back(absl::ToDoubleMicroseconds(absl::Now() - t0));
      if (!page.ok()) return Fail(page.status());
    }
    std::sort(us.begin(), us.end());
    int calls = 0;
    int64_t matches = 0;
    const absl::Time t0 = absl::Now();
    do {
      auto page = core.ListIncidents(member, request);
      if (!page.ok()) return Fail(page.status());
      ++calls;
      matches += page->incidents_size();
      request.set_page_token(page->next_page_token());
    } while (!request.page_token().empty());
    const double walk_ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
    std::printf(
        "list_plan incidents=%lld filter='%s' first_page_median_us=%.0f "
        "first_page_max_us=%.0f walk_calls=%d walk_ms=%.1f matches=%lld\n",
        static_cast<long long>(count), filter.c_str(), us[us.size() / 2],
        us.back(), calls, walk_ms, static_cast<long long>(matches));
  }
  // Orders: page 1 and page 21 of 50, no filter. The calls of the orders
  // alternate (one round = one call of each), so a change of load on the
  // shared machine falls on all of them alike.
  const int runs = absl::GetFlag(FLAGS_runs);
  const std::vector<std::string> orders = {"",
                                           "start_date desc",
                                           "start_date asc",
                                           "disclosed_date desc",
                                           "update_time desc",
                                           "create_time asc"};
  std::vector<incident::v1::ListIncidentsRequest> first(orders.size());
  std::vector<incident::v1::ListIncidentsRequest> deep(orders.size());
  for (size_t o = 0; o < orders.size(); ++o) {
    first[o].set_order_by(orders[o]);
    first[o].set_page_size(50);
    deep[o] = first[o];
    for (int p = 0; p < 20; ++p) {
      auto page = core.ListIncidents(member, deep[o]);
      if (!page.ok()) return Fail(page.status());
      deep[o].set_page_token(page->next_page_token());
    }
  }
  std::vector<std::vector<double>> first_us(orders.size());
  std::vector<std::vector<double>> deep_us(orders.size());
  for (int r = 0; r < runs; ++r) {
    for (size_t o = 0; o < orders.size(); ++o) {
      for (auto [request, us] : {std::pair{&first[o], &first_us[o]},
                                 std::pair{&deep[o], &deep_us[o]}}) {
        const absl::Time t0 = absl::Now();
        auto page = core.ListIncidents(member, *request);
        us->push_back(absl::ToDoubleMicroseconds(absl::Now() - t0));
        if (!page.ok()) return Fail(page.status());
      }
    }
  }
  auto median = [](std::vector<double>& us) {
    std::sort(us.begin(), us.end());
    return us[us.size() / 2];
  };
  for (size_t o = 0; o < orders.size(); ++o) {
    const double m1 = median(first_us[o]);
    const double m21 = median(deep_us[o]);
    std::printf(
        "list_order incidents=%lld order='%s' first_page_median_us=%.0f "
        "first_page_max_us=%.0f page21_median_us=%.0f page21_max_us=%.0f\n",
        static_cast<long long>(count), orders[o].c_str(), m1,
        first_us[o].back(), m21, deep_us[o].back());
  }
  std::printf(
      "list_order_ratio start_date_desc/default first_page=%.2f "
      "page21=%.2f\n",
      median(first_us[1]) / median(first_us[0]),
      median(deep_us[1]) / median(deep_us[0]));
  absl::Status closed = (*store)->Close();
  return closed.ok() ? 0 : Fail(closed);
}
