// The checking half of the crash run: after each restart, every
// acknowledged write is there, the changelog replays to the records, the
// catalog converges; and the rounds themselves (crash_run.h).
#include "tests/reliability/crash_run.h"

namespace atlas::reliability::crash_run {

absl::StatusOr<std::vector<iv1::Incident>> CrashRun::ListIncidents(
    const std::string& filter) {
  std::vector<iv1::Incident> out;
  iv1::ListIncidentsRequest r;
  r.set_page_size(1000);
  r.set_filter(filter);
  for (int page = 0; page < 10000; ++page) {
    iv1::ListIncidentsResponse response;
    ::grpc::Status s = RetryWhileUnavailable([&] {
      return incidents_->ListIncidents(Context(kMemberKey).get(), r, &response);
    });
    if (!s.ok()) return absl::InternalError("ListIncidents: " + Describe(s));
    for (iv1::Incident& i : *response.mutable_incidents())
      out.push_back(std::move(i));
    if (response.next_page_token().empty()) return out;
    r.set_page_token(response.next_page_token());
  }
  return absl::InternalError("ListIncidents: too many pages");
}

absl::StatusOr<std::vector<cv1::Organization>> CrashRun::ListOrganizations(
    const std::string& filter) {
  std::vector<cv1::Organization> out;
  cv1::ListOrganizationsRequest r;
  r.set_page_size(1000);
  r.set_filter(filter);
  for (int page = 0; page < 10000; ++page) {
    cv1::ListOrganizationsResponse response;
    ::grpc::Status s = RetryWhileUnavailable([&] {
      return catalog_->ListOrganizations(Context(kMemberKey).get(), r,
                                         &response);
    });
    if (!s.ok())
      return absl::InternalError("ListOrganizations: " + Describe(s));
    for (cv1::Organization& o : *response.mutable_organizations()) {
      out.push_back(std::move(o));
    }
    if (response.next_page_token().empty()) return out;
    r.set_page_token(response.next_page_token());
  }
  return absl::InternalError("ListOrganizations: too many pages");
}

std::vector<std::string> Victims(const iv1::Incident& inc) {
  std::vector<std::string> out;
  for (const iv1::Victim& v : inc.victims()) out.push_back(v.organization());
  return out;
}

bool CrashRun::VerifyIncidents(std::map<std::string, iv1::Incident>* records) {
  auto all = ListIncidents("");
  if (!all.ok()) {
    Fail(std::string(all.status().message()));
    return false;
  }
  for (iv1::Incident& i : *all) {
    std::string name = i.name();
    if (!records->emplace(name, std::move(i)).second) {
      ++stats_.inconsistencies;
      Fail("ListIncidents returned " + name + " twice");
    }
  }
  std::set<std::string> expected = {IncidentName("sentinel")};
  for (Writer& w : writers_) {
    for (const auto& [id, m] : w.incidents) {
      const std::string name = IncidentName(id);
      auto it = records->find(name);
      if (!m.exists) {
        if (it != records->end()) {
          ++stats_.inconsistencies;
          Fail(name + " was deleted (acknowledged) but is listed");
        }
        continue;
      }
      expected.insert(name);
      if (it == records->end()) {
        // Lost, or only missing from the `list` index?
        iv1::GetIncidentRequest get;
        get.set_name(name);
        iv1::Incident got;
        ::grpc::Status s =
            incidents_->GetIncident(Context(kMemberKey).get(), get, &got);
        if (s.ok()) {
          ++stats_.inconsistencies;
          Fail(name + " exists but ListIncidents misses it");
        } else {
          ++stats_.lost;
          Fail(absl::StrCat("LOST: ", name, " (acknowledged): ", Describe(s)));
        }
        continue;
      }
      const iv1::Incident& r = it->second;
      if (r.title() != m.title || Victims(r) != m.victims ||
          r.countries_size() != 1 || r.countries(0) != m.country) {
        ++stats_.lost;
        Fail(absl::StrCat("LOST: ", name, " reads ", r.ShortDebugString(),
                          "; acknowledged title ", m.title));
      }
      if (r.event_count() != static_cast<int>(m.events.size()) ||
          r.source_count() != static_cast<int>(m.sources.size())) {
        ++stats_.inconsistencies;
        Fail(absl::StrCat(name, ": event/source counts ", r.event_count(), "/",
                          r.source_count(), ", acknowledged ", m.events.size(),
                          "/", m.sources.size()));
      }
      // The timeline and source indexes agree with the acknowledged
      // sub-resources (and so with the counts).
      if (!m.events.empty() || r.event_count() > 0) {
        iv1::ListTimelineEventsRequest lr;
        lr.set_parent(name);
        lr.set_page_size(1000);
        iv1::ListTimelineEventsResponse page;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->ListTimelineEvents(Context(kMemberKey).get(), lr,
                                                &page);
        });
        std::set<std::string> listed;
        for (const auto& e : page.events()) listed.insert(e.name());
        if (!s.ok() || listed != m.events) {
          ++stats_.lost;
          Fail(absl::StrCat("LOST/index: ", name, " lists ", listed.size(),
                            " events, acknowledged ", m.events.size(), " ",
                            Describe(s)));
        }
      }
      if (!m.sources.empty() || r.source_count() > 0) {
        iv1::ListSourcesRequest lr;
        lr.set_parent(name);
        lr.set_page_size(1000);
        iv1::ListSourcesResponse page;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->ListSources(Context(kMemberKey).get(), lr, &page);
        });
        std::set<std::string> listed;
        for (const auto& e : page.sources()) listed.insert(e.name());
        if (!s.ok() || listed != m.sources) {
          ++stats_.lost;
          Fail(absl::StrCat("LOST/index: ", name, " lists ", listed.size(),
                            " sources, acknowledged ", m.sources.size(), " ",
                            Describe(s)));
        }
      }
    }
  }
  for (const auto& [name, r] : *records) {
    if (!expected.contains(name)) {
      ++stats_.inconsistencies;
      Fail(name + " is listed but no acknowledged or resolved write made it");
    }
  }
  // Secondary indexes: each filter returns exactly the records with that
  // value.
  auto check_filter = [&](const std::string& filter, auto matches) {
    auto listed = ListIncidents(filter);
    if (!listed.ok()) {
      Fail(std::string(listed.status().message()));
      return;
    }
    std::set<std::string> got, want;
    for (const iv1::Incident& i : *listed) {
      if (!got.insert(i.name()).second) {
        ++stats_.inconsistencies;
        Fail(absl::StrCat(filter, " lists ", i.name(), " twice"));
      }
    }
    for (const auto& [name, r] : *records) {
      if (matches(r)) want.insert(name);
    }
    if (got != want) {
      ++stats_.inconsistencies;
      std::vector<std::string> diff;
      std::set_symmetric_difference(got.begin(), got.end(), want.begin(),
                                    want.end(), std::back_inserter(diff));
      Fail(absl::StrCat("index disagrees with records for ", filter, ": ",
                        absl::StrJoin(diff, ", ")));
    }
  };
  for (int v = 0; v < kVictims; ++v) {
    const std::string org = OrgName(VictimId(v));
    check_filter(absl::StrCat("victim = \"", org, "\""),
                 [&](const iv1::Incident& r) {
                   for (const iv1::Victim& x : r.victims()) {
                     if (x.organization() == org) return true;
                   }
                   return false;
                 });
  }
  for (const char* c : kCountries) {
    const std::string country = c;
    check_filter(absl::StrCat("country = \"", country, "\""),
                 [&](const iv1::Incident& r) {
                   for (const std::string& x : r.countries()) {
                     if (x == country) return true;
                   }
                   return false;
                 });
  }
  return true;
}

void CrashRun::VerifyChangelog(
    std::map<std::string, iv1::Incident>* records_out) {
  // The sentinel update is the last change: reading up to it reads
  // everything committed before verification started. It also moves the
  // sentinel between two victims, so that the catalog showing it where it
  // is now proves the follower applied everything up to it.
  const std::string title = absl::StrCat("sentinel ", ++sentinel_version_);
  iv1::UpdateIncidentRequest u;
  u.mutable_incident()->set_name(IncidentName("sentinel"));
  u.mutable_incident()->set_title(title);
  u.mutable_incident()->add_victims()->set_organization(
      OrgName(VictimId(sentinel_version_ % 2)));
  u.mutable_update_mask()->add_paths("title");
  u.mutable_update_mask()->add_paths("victims");
  iv1::Incident sentinel;
  ::grpc::Status s = RetryWhileUnavailable([&] {
    return incidents_->UpdateIncident(Context(kEditorKey).get(), u, &sentinel);
  });
  if (!s.ok()) {
    Fail("sentinel update: " + Describe(s));
    return;
  }
  (*records_out)[sentinel.name()] = sentinel;
  const std::map<std::string, iv1::Incident>& records = *records_out;
  auto context = Context(kServiceKey, absl::Seconds(60));
  iv1::WatchIncidentChangesRequest r;
  r.set_start_sequence(1);
  auto reader = incidents_->WatchIncidentChanges(context.get(), r);
  std::map<std::string, iv1::IncidentChange> last;
  iv1::IncidentChange change;
  int64_t expected = 1;
  bool caught_up = false;
  while (reader->Read(&change)) {
    if (change.sequence() != expected) {
      ++stats_.inconsistencies;
      Fail(absl::StrCat("changelog gap: expected ", expected, ", got ",
                        change.sequence()));
    }
    expected = change.sequence() + 1;
    if (change.incident().name() == IncidentName("sentinel") &&
        change.incident().title() == title) {
      caught_up = true;
      break;
    }
    last[change.incident().name()] = change;
  }
  context->TryCancel();
  reader->Finish();
  if (!caught_up) {
    Fail(absl::StrCat("changelog ended at ", expected - 1,
                      " before the sentinel update"));
    return;
  }
  for (const auto& [name, c] : last) {
    auto it = records.find(name);
    const bool deleted = c.change_type() == iv1::IncidentChange::DELETED;
    if (deleted != (it == records.end())) {
      ++stats_.inconsistencies;
      Fail(absl::StrCat("changelog says ", name,
                        deleted ? " is deleted" : " exists",
                        ", records disagree"));
      continue;
    }
    if (deleted || name == IncidentName("sentinel")) continue;
    if (Victims(c.incident()) != Victims(it->second) ||
        c.incident().etag() != it->second.etag()) {
      ++stats_.inconsistencies;
      Fail(absl::StrCat(
          "last change of ", name, " (", c.sequence(),
          ") disagrees with the record: ", c.incident().ShortDebugString(),
          " vs ", it->second.ShortDebugString()));
    }
  }
  for (const auto& [name, record] : records) {
    if (!last.contains(name) && name != IncidentName("sentinel")) {
      ++stats_.inconsistencies;
      Fail(name + " has no changelog entry");
    }
  }
}

void CrashRun::VerifyOrganizations() {
  auto all = ListOrganizations("");
  if (!all.ok()) {
    Fail(std::string(all.status().message()));
    return;
  }
  std::map<std::string, cv1::Organization> records;
  for (cv1::Organization& o : *all) {
    std::string name = o.name();
    records.emplace(name, std::move(o));
  }
  std::set<std::string> expected;
  for (int v = 0; v < kVictims; ++v) expected.insert(OrgName(VictimId(v)));
  for (Writer& w : writers_) {
    for (const auto& [id, m] : w.orgs) {
      const std::string name = OrgName(id);
      auto it = records.find(name);
      if (!m.exists) {
        if (it != records.end()) {
          ++stats_.inconsistencies;
          Fail(name + " was deleted (acknowledged) but is listed");
        }
        continue;
      }
      expected.insert(name);
      if (it == records.end()) {
        cv1::GetOrganizationRequest get;
        get.set_name(name);
        cv1::Organization got;
        ::grpc::Status s =
            catalog_->GetOrganization(Context(kMemberKey).get(), get, &got);
        if (s.ok()) {
          ++stats_.inconsistencies;
          Fail(name + " exists but ListOrganizations misses it");
        } else {
          ++stats_.lost;
          Fail(absl::StrCat("LOST: ", name, " (acknowledged): ", Describe(s)));
        }
        continue;
      }
      const cv1::Organization& r = it->second;
      if (r.display_name() != m.display_name || r.country() != m.country ||
          r.etag() != m.etag) {
        ++stats_.lost;
        Fail(absl::StrCat("LOST: ", name, " reads ", r.ShortDebugString(),
                          "; acknowledged ", m.display_name, " etag ", m.etag));
      }
    }
  }
  for (const auto& [name, r] : records) {
    if (!expected.contains(name)) {
      ++stats_.inconsistencies;
      Fail(name + " is listed but no acknowledged or resolved write made it");
    }
  }
  for (const char* c : kCountries) {
    const std::string filter = absl::StrCat("country = \"", c, "\"");
    auto listed = ListOrganizations(filter);
    if (!listed.ok()) {
      Fail(std::string(listed.status().message()));
      continue;
    }
    std::set<std::string> got, want;
    for (const cv1::Organization& o : *listed) got.insert(o.name());
    for (const auto& [name, r] : records) {
      if (r.country() == c) want.insert(name);
    }
    if (got != want) {
      ++stats_.inconsistencies;
      Fail(absl::StrCat("catalog index disagrees with records for ", filter,
                        ": ", got.size(), " listed, ", want.size(), " stored"));
    }
  }
}

void CrashRun::VerifyConvergence(
    const std::map<std::string, iv1::Incident>& records) {
  // The truth per organisation: ListIncidents(victim = org) for the victim
  // organisations (checked equal to `records` by VerifyIncidents), none for
  // the others.
  std::map<std::string, std::set<std::string>> truth;
  for (const auto& [name, r] : records) {
    for (const iv1::Victim& v : r.victims())
      truth[v.organization()].insert(name);
  }
  const absl::Time start = absl::Now();
  std::string last_diff;
  bool converged = ::atlas::testing::WaitFor(
      [&] {
        auto orgs = ListOrganizations("");
        if (!orgs.ok()) {
          last_diff = std::string(orgs.status().message());
          return false;
        }
        for (const cv1::Organization& o : *orgs) {
          const std::set<std::string>& want = truth[o.name()];
          std::set<std::string> linked(o.linked_incidents().begin(),
                                       o.linked_incidents().end());
          // linked_incidents holds the newest 20; incident_count all.
          const int shown = std::min(static_cast<int>(want.size()), 20);
          if (o.incident_count() != static_cast<int>(want.size()) ||
              !std::includes(want.begin(), want.end(), linked.begin(),
                             linked.end()) ||
              static_cast<int>(linked.size()) != shown ||
              o.linked_incidents_size() != shown) {
            last_diff = absl::StrCat(o.name(), ": count ", o.incident_count(),
                                     ", truth ", want.size());
            return false;
          }
        }
        return true;
      },
      options_.converge_timeout);
  const absl::Duration took = absl::Now() - start;
  stats_.max_converge = std::max(stats_.max_converge, took);
  if (!converged) {
    stats_.converged = false;
    Fail("catalog did not converge in " +
         absl::FormatDuration(options_.converge_timeout) + ": " + last_diff);
  }
}

void CrashRun::Verify(int round) {
  const size_t failures_before = stats_.failures.size();
  std::map<std::string, iv1::Incident> records;
  if (VerifyIncidents(&records)) {
    VerifyChangelog(&records);
    VerifyOrganizations();
    VerifyConvergence(records);
  }
  if (stats_.failures.size() == failures_before) {
    int64_t covered = 0;
    for (const Writer& w : writers_) covered += w.acknowledged;
    stats_.verified = covered + stats_.resolved;
  } else {
    Fail(absl::StrCat("round ", round, " failed verification"));
  }
}

CrashStats CrashRun::Run() {
  stats_.seed = options_.seed;
  const absl::Time start = absl::Now();
  absl::Status s = Setup();
  if (!s.ok()) {
    Fail("setup: " + s.ToString());
    return stats_;
  }
  const int rounds = 2 * options_.rounds_per_service;
  for (int round = 0; round < rounds; ++round) {
    if (absl::Now() - start > options_.time_budget) {
      Fail(absl::StrCat("time budget of ",
                        absl::FormatDuration(options_.time_budget),
                        " spent after ", round, " rounds"));
      break;
    }
    const bool kill_incidents = round % 2 == 0;
    ChildServer& victim =
        kill_incidents ? cluster_->incidents() : cluster_->catalog();
    RefreshStubs();
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (Writer& w : writers_) {
      threads.emplace_back([this, &w, &stop] { WriteLoop(w, stop); });
    }
    const int64_t spread =
        absl::ToInt64Microseconds(options_.max_write - options_.min_write);
    const absl::Duration delay =
        options_.min_write +
        absl::Microseconds(
            std::uniform_int_distribution<int64_t>(0, spread)(rng_));
    absl::SleepFor(delay);  // the random moment of the kill
    victim.Kill();
    stop.store(true);
    for (std::thread& t : threads) t.join();
    for (Writer& w : writers_) {
      for (std::string& e : w.errors) Fail(std::move(e));
      w.errors.clear();
    }
    s = victim.Start();
    if (!s.ok()) {
      Fail(absl::StrCat("round ", round, ": restart: ", s.ToString()));
      break;
    }
    RefreshStubs();
    for (Writer& w : writers_) Resolve(w);
    int64_t acknowledged = 0;
    for (const Writer& w : writers_) acknowledged += w.acknowledged;
    stats_.acknowledged = acknowledged;
    Verify(round);
    if (!stats_.failures.empty()) break;
    (kill_incidents ? stats_.incident_rounds : stats_.catalog_rounds)++;
  }
  stats_.elapsed = absl::Now() - start;
  // Both children are SIGKILLed by ~ChildServer; their databases are
  // removed with the temp dir.
  return stats_;
}

}  // namespace atlas::reliability::crash_run

namespace atlas::reliability {

CrashStats RunCrashRounds(const CrashOptions& options) {
  crash_run::CrashRun run(options);
  return run.Run();
}

}  // namespace atlas::reliability
