// The write half of the crash run: setup, the writer threads, and settling
// the writes whose outcome a kill left unknown (crash_run.h).
#include "tests/reliability/crash_run.h"

namespace atlas::reliability::crash_run {

absl::Status CrashRun::Setup() {
  std::string dir = options_.dir;
  if (dir.empty()) {
    temp_ = std::make_unique<::atlas::testing::TempDir>();
    dir = temp_->path();
  }
  Cluster::Options cluster_options;
  cluster_options.dir = dir;
  cluster_options.catalog_timeout = options_.catalog_timeout;
  cluster_ = std::make_unique<Cluster>(cluster_options);
  absl::Status s = cluster_->Start();
  if (!s.ok()) return s;
  RefreshStubs();
  for (int i = 0; i < kVictims; ++i) {
    cv1::CreateOrganizationRequest r;
    r.set_organization_id(VictimId(i));
    r.mutable_organization()->set_display_name(VictimId(i));
    r.mutable_organization()->set_country(kCountries[i % kCountryCount]);
    cv1::Organization out;
    ::grpc::Status g =
        catalog_->CreateOrganization(Context(kEditorKey).get(), r, &out);
    if (!g.ok())
      return absl::InternalError("seed organisation: " + Describe(g));
  }
  // The sentinel: the verifier updates it last and reads the changelog up
  // to that update, so "caught up" needs no timeout.
  iv1::CreateIncidentRequest r;
  r.set_incident_id("sentinel");
  r.mutable_incident()->set_title("sentinel 0");
  r.mutable_incident()->add_victims()->set_organization(OrgName(VictimId(0)));
  iv1::Incident out;
  ::grpc::Status g = RetryWhileUnavailable([&] {
    return incidents_->CreateIncident(Context(kEditorKey).get(), r, &out);
  });
  if (!g.ok()) return absl::InternalError("sentinel incident: " + Describe(g));
  writers_.resize(static_cast<size_t>(options_.writers));
  for (int i = 0; i < options_.writers; ++i) {
    writers_[static_cast<size_t>(i)].index = i;
    writers_[static_cast<size_t>(i)].rng.seed(options_.seed * 7919 +
                                              static_cast<uint64_t>(i));
  }
  return absl::OkStatus();
}

void CrashRun::WriteLoop(Writer& w, const std::atomic<bool>& stop) {
  // Bounded in count and time; the main thread sets `stop` right after the
  // kill.
  const absl::Time deadline =
      absl::Now() + options_.max_write + absl::Seconds(5);
  for (int i = 0; i < 100000 && !stop.load() && absl::Now() < deadline; ++i) {
    const size_t pending_before = w.pending.size();
    const size_t errors_before = w.errors.size();
    WriteOnce(w);
    // After an unknown outcome the service is (probably) down: stop here,
    // and settle it after the restart.
    if (w.pending.size() != pending_before ||
        w.errors.size() != errors_before) {
      return;
    }
  }
}

void CrashRun::WriteOnce(Writer& w) {
  auto pick = [&](int n) {
    return static_cast<int>(
        std::uniform_int_distribution<int>(0, n - 1)(w.rng));
  };
  auto idle = [&](const auto& records) {
    std::vector<std::string> ids;
    for (const auto& [id, model] : records) {
      if (model.exists && !w.busy.contains(id)) ids.push_back(id);
    }
    return ids;
  };
  auto record_unknown = [&](Pending p) {
    w.busy.insert(p.id);
    w.pending.push_back(std::move(p));
  };
  auto unexpected = [&](const std::string& what, const ::grpc::Status& s) {
    w.errors.push_back(
        absl::StrCat("writer ", w.index, ": ", what, ": ", Describe(s)));
  };
  const std::vector<std::string> orgs = idle(w.orgs);
  const std::vector<std::string> incidents = idle(w.incidents);
  int dice = pick(100);
  // The mix: 12% organisation writes, the rest on incidents and their
  // events and sources; falls back to a create when there is nothing to
  // touch.
  if (dice < 6 || (dice < 12 && orgs.empty())) {
    Pending p = MakePending(Op::kCreateOrg);
    p.id = absl::StrCat("w", w.index, "-o", w.next++);
    p.create_org.set_organization_id(p.id);
    p.create_org.set_request_id(absl::StrCat("s", options_.seed, "-", p.id));
    p.create_org.mutable_organization()->set_display_name(p.id + " v0");
    p.create_org.mutable_organization()->set_country(
        kCountries[pick(kCountryCount)]);
    cv1::Organization out;
    ::grpc::Status s = catalog_->CreateOrganization(Context(kEditorKey).get(),
                                                    p.create_org, &out);
    if (s.ok()) {
      w.orgs[p.id] = {out.display_name(), out.country(), out.etag(), true};
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("CreateOrganization " + p.id, s);
    }
    return;
  }
  if (dice < 10) {
    const std::string id =
        orgs[static_cast<size_t>(pick(static_cast<int>(orgs.size())))];
    OrgModel& m = w.orgs[id];
    Pending p = MakePending(Op::kUpdateOrg, id);
    cv1::Organization* o = p.update_org.mutable_organization();
    o->set_name(OrgName(id));
    o->set_display_name(absl::StrCat(id, " v", w.next++));
    o->set_country(kCountries[pick(kCountryCount)]);
    o->set_etag(m.etag);
    p.update_org.mutable_update_mask()->add_paths("display_name");
    p.update_org.mutable_update_mask()->add_paths("country");
    cv1::Organization out;
    ::grpc::Status s = catalog_->UpdateOrganization(Context(kEditorKey).get(),
                                                    p.update_org, &out);
    if (s.ok()) {
      m = {out.display_name(), out.country(), out.etag(), true};
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("UpdateOrganization " + id, s);
    }
    return;
  }
  if (dice < 12) {
    const std::string id =
        orgs[static_cast<size_t>(pick(static_cast<int>(orgs.size())))];
    Pending p = MakePending(Op::kDeleteOrg, id, OrgName(id));
    cv1::DeleteOrganizationRequest r;
    r.set_name(p.name);
    r.set_etag(w.orgs[id].etag);
    google::protobuf::Empty out;
    ::grpc::Status s =
        catalog_->DeleteOrganization(Context(kEditorKey).get(), r, &out);
    if (s.ok()) {
      w.orgs[id].exists = false;
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("DeleteOrganization " + id, s);
    }
    return;
  }
  auto fill_incident = [&](iv1::Incident* inc, const std::string& id,
                           int version) {
    inc->set_title(absl::StrCat(id, " v", version));
    const int a = pick(kVictims);
    inc->add_victims()->set_organization(OrgName(VictimId(a)));
    if (pick(3) == 0) {
      inc->add_victims()->set_organization(
          OrgName(VictimId((a + 1 + pick(kVictims - 1)) % kVictims)));
    }
    inc->add_countries(kCountries[pick(kCountryCount)]);
  };
  auto model_of = [](const iv1::Incident& inc, int version) {
    IncidentModel m;
    m.title = inc.title();
    for (const iv1::Victim& v : inc.victims())
      m.victims.push_back(v.organization());
    m.country = inc.countries_size() > 0 ? inc.countries(0) : "";
    m.version = version;
    return m;
  };
  if (dice < 45 || incidents.empty()) {
    Pending p = MakePending(Op::kCreateIncident);
    p.id = absl::StrCat("w", w.index, "-i", w.next++);
    p.create_incident.set_incident_id(p.id);
    p.create_incident.set_request_id(
        absl::StrCat("s", options_.seed, "-", p.id));
    iv1::Incident* inc = p.create_incident.mutable_incident();
    fill_incident(inc, p.id, 0);
    inc->mutable_start_date()->set_year(2020 + pick(5));
    iv1::Incident out;
    ::grpc::Status s = incidents_->CreateIncident(Context(kEditorKey).get(),
                                                  p.create_incident, &out);
    if (s.ok()) {
      w.incidents[p.id] = model_of(out, 0);
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("CreateIncident " + p.id, s);
    }
    return;
  }
  const std::string id =
      incidents[static_cast<size_t>(pick(static_cast<int>(incidents.size())))];
  IncidentModel& m = w.incidents[id];
  if (dice < 62) {
    Pending p = MakePending(Op::kUpdateIncident, id);
    iv1::Incident* inc = p.update_incident.mutable_incident();
    inc->set_name(IncidentName(id));
    fill_incident(inc, id, m.version + 1);
    for (const char* path : {"title", "victims", "countries"}) {
      p.update_incident.mutable_update_mask()->add_paths(path);
    }
    iv1::Incident out;
    ::grpc::Status s = incidents_->UpdateIncident(Context(kEditorKey).get(),
                                                  p.update_incident, &out);
    if (s.ok()) {
      IncidentModel next = model_of(out, m.version + 1);
      next.events = std::move(m.events);
      next.sources = std::move(m.sources);
      m = std::move(next);
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("UpdateIncident " + id, s);
    }
    return;
  }
  if (dice < 67) {
    Pending p = MakePending(Op::kDeleteIncident, id, IncidentName(id));
    iv1::DeleteIncidentRequest r;
    r.set_name(p.name);
    google::protobuf::Empty out;
    ::grpc::Status s =
        incidents_->DeleteIncident(Context(kEditorKey).get(), r, &out);
    if (s.ok()) {
      m.exists = false;
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("DeleteIncident " + id, s);
    }
    return;
  }
  if (dice < 72 && !m.events.empty()) {
    const std::string name = *m.events.begin();
    Pending p = MakePending(Op::kDeleteEvent, id, name);
    iv1::DeleteTimelineEventRequest r;
    r.set_name(name);
    google::protobuf::Empty out;
    ::grpc::Status s =
        incidents_->DeleteTimelineEvent(Context(kEditorKey).get(), r, &out);
    if (s.ok()) {
      m.events.erase(name);
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("DeleteTimelineEvent " + name, s);
    }
    return;
  }
  if (dice < 88) {
    Pending p = MakePending(Op::kCreateEvent, id);
    const std::string event_id = absl::StrCat("e", w.next++);
    p.create_event.set_parent(IncidentName(id));
    p.create_event.set_event_id(event_id);
    p.create_event.set_request_id(
        absl::StrCat("s", options_.seed, "-", id, "-", event_id));
    iv1::TimelineEvent* e = p.create_event.mutable_event();
    e->set_type(iv1::DETECTION);
    e->mutable_date()->set_year(2024);
    e->mutable_date()->set_month(1 + pick(12));
    e->set_description("detected " + event_id);
    iv1::TimelineEvent out;
    ::grpc::Status s = incidents_->CreateTimelineEvent(
        Context(kEditorKey).get(), p.create_event, &out);
    if (s.ok()) {
      m.events.insert(out.name());
      ++w.acknowledged;
    } else if (OutcomeUnknown(s)) {
      record_unknown(std::move(p));
    } else {
      unexpected("CreateTimelineEvent " + id, s);
    }
    return;
  }
  Pending p = MakePending(Op::kCreateSource, id);
  const std::string source_id = absl::StrCat("s", w.next++);
  p.create_source.set_parent(IncidentName(id));
  p.create_source.set_source_id(source_id);
  p.create_source.set_request_id(
      absl::StrCat("s", options_.seed, "-", id, "-", source_id));
  p.create_source.mutable_source()->set_url("https://news.example/" +
                                            source_id);
  p.create_source.mutable_source()->set_kind(iv1::NEWS);
  iv1::Source out;
  ::grpc::Status s = incidents_->CreateSource(Context(kEditorKey).get(),
                                              p.create_source, &out);
  if (s.ok()) {
    m.sources.insert(out.name());
    ++w.acknowledged;
  } else if (OutcomeUnknown(s)) {
    record_unknown(std::move(p));
  } else {
    unexpected("CreateSource " + id, s);
  }
}

void CrashRun::Resolve(Writer& w) {
  for (Pending& p : w.pending) {
    ++stats_.unknown;
    const std::string where =
        absl::StrCat("unknown-outcome write on ", p.id, ": ");
    bool settled = false;
    switch (p.op) {
      case Op::kCreateOrg: {
        cv1::GetOrganizationRequest get;
        get.set_name(OrgName(p.id));
        cv1::Organization before;
        ::grpc::Status g = RetryWhileUnavailable([&] {
          return catalog_->GetOrganization(Context(kMemberKey).get(), get,
                                           &before);
        });
        if (g.ok()) ++stats_.unknown_committed;
        // The same request_id: the first result if it committed, else it
        // commits now. ALREADY_EXISTS would mean a record without its
        // request record, i.e. a half-written batch.
        cv1::Organization out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return catalog_->CreateOrganization(Context(kEditorKey).get(),
                                              p.create_org, &out);
        });
        if (s.ok()) {
          w.orgs[p.id] = {out.display_name(), out.country(), out.etag(), true};
          settled = true;
        } else {
          Fail(where + "create retry: " + Describe(s));
        }
        break;
      }
      case Op::kUpdateOrg:
      case Op::kDeleteOrg: {
        OrgModel& m = w.orgs[p.id];
        cv1::GetOrganizationRequest get;
        get.set_name(OrgName(p.id));
        cv1::Organization out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return catalog_->GetOrganization(Context(kMemberKey).get(), get,
                                           &out);
        });
        if (p.op == Op::kDeleteOrg &&
            s.error_code() == ::grpc::StatusCode::NOT_FOUND) {
          m.exists = false;
          ++stats_.unknown_committed;
          settled = true;
        } else if (!s.ok()) {
          Fail(where + "read back: " + Describe(s));
        } else if (p.op == Op::kUpdateOrg &&
                   out.display_name() ==
                       p.update_org.organization().display_name() &&
                   out.country() == p.update_org.organization().country()) {
          m = {out.display_name(), out.country(), out.etag(), true};
          ++stats_.unknown_committed;
          settled = true;
        } else if (out.display_name() == m.display_name &&
                   out.country() == m.country && out.etag() == m.etag) {
          settled = true;  // did not commit
        } else {
          Fail(where + "organisation is neither before nor after: " +
               out.ShortDebugString());
        }
        break;
      }
      case Op::kCreateIncident: {
        iv1::GetIncidentRequest get;
        get.set_name(IncidentName(p.id));
        iv1::Incident before;
        if (RetryWhileUnavailable([&] {
              return incidents_->GetIncident(Context(kMemberKey).get(), get,
                                             &before);
            }).ok()) {
          ++stats_.unknown_committed;
        }
        iv1::Incident out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->CreateIncident(Context(kEditorKey).get(),
                                            p.create_incident, &out);
        });
        if (s.ok()) {
          IncidentModel m;
          m.title = out.title();
          for (const iv1::Victim& v : out.victims())
            m.victims.push_back(v.organization());
          m.country = out.countries_size() > 0 ? out.countries(0) : "";
          w.incidents[p.id] = std::move(m);
          settled = true;
        } else {
          Fail(where + "create retry: " + Describe(s));
        }
        break;
      }
      case Op::kUpdateIncident:
      case Op::kDeleteIncident: {
        IncidentModel& m = w.incidents[p.id];
        iv1::GetIncidentRequest get;
        get.set_name(IncidentName(p.id));
        iv1::Incident out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->GetIncident(Context(kMemberKey).get(), get, &out);
        });
        if (p.op == Op::kDeleteIncident &&
            s.error_code() == ::grpc::StatusCode::NOT_FOUND) {
          m.exists = false;
          ++stats_.unknown_committed;
          settled = true;
        } else if (!s.ok()) {
          Fail(where + "read back: " + Describe(s));
        } else if (p.op == Op::kUpdateIncident &&
                   out.title() == p.update_incident.incident().title()) {
          m.title = out.title();
          m.victims.clear();
          for (const iv1::Victim& v : out.victims())
            m.victims.push_back(v.organization());
          m.country = out.countries_size() > 0 ? out.countries(0) : "";
          ++m.version;
          ++stats_.unknown_committed;
          settled = true;
        } else if (out.title() == m.title) {
          settled = true;  // did not commit
        } else {
          Fail(where + "incident is neither before nor after: " + out.title());
        }
        break;
      }
      case Op::kCreateEvent: {
        iv1::TimelineEvent out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->CreateTimelineEvent(Context(kEditorKey).get(),
                                                 p.create_event, &out);
        });
        if (s.ok()) {
          w.incidents[p.id].events.insert(out.name());
          settled = true;
        } else {
          Fail(where + "event create retry: " + Describe(s));
        }
        break;
      }
      case Op::kCreateSource: {
        iv1::Source out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->CreateSource(Context(kEditorKey).get(),
                                          p.create_source, &out);
        });
        if (s.ok()) {
          w.incidents[p.id].sources.insert(out.name());
          settled = true;
        } else {
          Fail(where + "source create retry: " + Describe(s));
        }
        break;
      }
      case Op::kDeleteEvent: {
        iv1::GetTimelineEventRequest get;
        get.set_name(p.name);
        iv1::TimelineEvent out;
        ::grpc::Status s = RetryWhileUnavailable([&] {
          return incidents_->GetTimelineEvent(Context(kMemberKey).get(), get,
                                              &out);
        });
        if (s.error_code() == ::grpc::StatusCode::NOT_FOUND) {
          w.incidents[p.id].events.erase(p.name);
          ++stats_.unknown_committed;
          settled = true;
        } else if (s.ok()) {
          settled = true;  // did not commit
        } else {
          Fail(where + "event read back: " + Describe(s));
        }
        break;
      }
    }
    if (settled) ++stats_.resolved;
  }
  w.pending.clear();
  w.busy.clear();
}

}  // namespace atlas::reliability::crash_run
