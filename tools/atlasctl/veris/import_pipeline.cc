#include "tools/atlasctl/veris/import_pipeline.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/api/aip/digest.h"
#include "common/api/aip/validation.h"

namespace atlas::atlasctl::veris {
namespace {

namespace inc = ::atlas::incident::v1;

// Incident fields and the VERIS paths they are mapped from
// (docs/interop.md), for naming the source of a server's refusal.
constexpr std::array<std::pair<absl::string_view, absl::string_view>, 24>
    kFieldPaths = {{
        {"incident_id", "incident_id"},
        {"incident.external_references", "incident_id"},
        {"incident.victims", "victim.victim_id"},
        {"incident.victim_unknown", "victim.victim_id"},
        {"incident.countries", "victim.country"},
        {"incident.start_date", "timeline.incident"},
        {"incident.disclosed_date", "plus.timeline.notification"},
        {"incident.summary", "summary"},
        {"incident.description", "summary"},
        {"incident.determination", "security_incident"},
        {"incident.incident_types", "action"},
        {"incident.cia_posture", "attribute"},
        {"incident.motives", "actor"},
        {"incident.threat_actors", "actor"},
        {"incident.confidence", "confidence"},
        {"incident.targeting", "targeted"},
        {"incident.actions", "action"},
        {"incident.data_exposure", "attribute.confidentiality"},
        {"incident.assets", "asset.assets"},
        {"incident.discovery_methods", "discovery_method"},
        {"incident.durations", "timeline"},
        {"incident.losses", "impact"},
        {"incident.original_record", "$"},
        {"incident.title", "$"},
    }};

// "PATH: reason" (as VictimResolver words its errors) split in two.
std::pair<std::string, std::string> SplitPathAndReason(
    absl::string_view message) {
  size_t colon = message.find(": ");
  if (colon == absl::string_view::npos) return {"$", std::string(message)};
  return {std::string(message.substr(0, colon)),
          std::string(message.substr(colon + 2))};
}

std::string ServerRefusal(const absl::Status& status) {
  return absl::StrCat(
      "incident-service refused it: ", absl::StatusCodeToString(status.code()),
      ": ", status.message());
}

}  // namespace

struct ImportPipeline::Record {
  uint64_t sequence = 0;
  std::string locator;
  MappedRecord mapped;
  // The incident as it should be stored (name set, victims resolved).
  std::shared_ptr<const inc::Incident> wanted;
  absl::Mutex mu;
  size_t victims_left ABSL_GUARDED_BY(mu) = 0;
  // Per victim: the organisation, or why there is none.
  std::vector<absl::StatusOr<std::string>> organizations ABSL_GUARDED_BY(mu);
};

std::string ImportPipeline::RequestIdFor(
    const inc::CreateIncidentRequest& request) {
  return absl::StrCat(
      "vi-", api::HexEncode(api::Sha256(api::DeterministicBytes(request)))
                 .substr(0, 40));
}

std::string ImportPipeline::VerisPathOf(absl::string_view message) {
  absl::string_view field = message.substr(0, message.find(':'));
  absl::string_view best_path = "$";
  size_t best = 0;
  for (const auto& [prefix, path] : kFieldPaths) {
    if (prefix.size() <= best || !absl::StartsWith(field, prefix)) continue;
    if (field.size() > prefix.size() && field[prefix.size()] != '.' &&
        field[prefix.size()] != '[') {
      continue;
    }
    best = prefix.size();
    best_path = path;
  }
  return std::string(best_path);
}

void ImportPipeline::Submit(uint64_t sequence, std::string locator,
                            MappedRecord mapped,
                            const std::function<void()>& tick) {
  {
    absl::MutexLock lock(&mu_);
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return open_ < options_.max_records_in_flight;
    };
    while (
        !mu_.AwaitWithTimeout(absl::Condition(&room), options_.tick_interval)) {
      mu_.Unlock();
      tick();
      mu_.Lock();
    }
    ++open_;
  }
  auto record = std::make_shared<Record>();
  record->sequence = sequence;
  record->locator = std::move(locator);
  record->mapped = std::move(mapped);
  const size_t victims = record->mapped.victims.size();
  if (victims == 0) {
    Write(std::move(record));
    return;
  }
  {
    absl::MutexLock lock(&record->mu);
    record->victims_left = victims;
    record->organizations.assign(victims, absl::UnknownError("unresolved"));
  }
  for (size_t i = 0; i < victims; ++i) {
    resolver_.Resolve(record->mapped.victims[i],
                      [this, record, i](absl::StatusOr<std::string> name) {
                        bool last;
                        {
                          absl::MutexLock lock(&record->mu);
                          record->organizations[i] = std::move(name);
                          last = --record->victims_left == 0;
                        }
                        if (last) Write(record);
                      });
  }
}

void ImportPipeline::Write(std::shared_ptr<Record> record) {
  inc::CreateIncidentRequest request = std::move(record->mapped.request);
  std::vector<absl::StatusOr<std::string>> organizations;
  {
    absl::MutexLock lock(&record->mu);
    organizations.swap(record->organizations);
  }
  for (size_t i = 0; i < organizations.size(); ++i) {
    if (!organizations[i].ok()) {
      auto [path, reason] =
          SplitPathAndReason(organizations[i].status().message());
      Refuse(record, path, reason);
      return;
    }
    const std::string& organization = *organizations[i];
    // Two VERIS names may be one organisation (a name and an alias).
    bool seen = std::any_of(
        request.incident().victims().begin(),
        request.incident().victims().end(),
        [&](const inc::Victim& v) { return v.organization() == organization; });
    if (seen) continue;
    inc::Victim* victim = request.mutable_incident()->add_victims();
    victim->set_organization(organization);
    victim->set_role(record->mapped.victims[i].role);
  }
  request.set_request_id(RequestIdFor(request));
  auto wanted = std::make_shared<inc::Incident>(request.incident());
  wanted->set_name(absl::StrCat("incidents/", request.incident_id()));
  record->wanted = std::move(wanted);
  record->mapped.victims.clear();
  writer_.Add(std::move(request), [this, record](CreateAnswer answer) {
    OnCreated(record, std::move(answer));
  });
}

void ImportPipeline::OnCreated(std::shared_ptr<Record> record,
                               CreateAnswer answer) {
  if (answer.status.ok()) {
    const inc::Incident& stored = answer.incident;
    if (stored.original_record().content() !=
        record->wanted->original_record().content()) {
      updater_.Decide(record->wanted, std::move(answer.incident),
                      [this, record](IncidentUpdater::Result result) {
                        OnDecided(record, std::move(result));
                      });
      return;
    }
    const bool created_now =
        api::FromProtoTimestamp(stored.create_time()) >= options_.run_start;
    OnOwn(record,
          created_now ? ImportTally::Outcome::kImported
                      : ImportTally::Outcome::kUnchanged,
          stored);
    return;
  }
  if (absl::IsAlreadyExists(answer.status)) {
    updater_.Check(record->wanted, answer.status,
                   [this, record](IncidentUpdater::Result result) {
                     OnDecided(record, std::move(result));
                   });
    return;
  }
  Refuse(record, VerisPathOf(answer.status.message()),
         ServerRefusal(answer.status));
}

void ImportPipeline::OnDecided(std::shared_ptr<Record> record,
                               IncidentUpdater::Result result) {
  switch (result.verdict) {
    case IncidentUpdater::Verdict::kUnchanged:
      OnOwn(record, ImportTally::Outcome::kUnchanged, result.incident);
      return;
    case IncidentUpdater::Verdict::kChanged:
      Finish(
          record, ImportTally::Outcome::kChanged,
          absl::StrCat(record->locator, ": changed: ", result.incident.name(),
                       " holds another version of this record (not "
                       "updated; --update applies it)"));
      return;
    case IncidentUpdater::Verdict::kUpdated: {
      std::string name = result.incident.name();
      sources_.Reconcile(name, record->mapped.source_urls,
                         [this, record, name](absl::Status sources) {
                           if (sources.ok()) {
                             Finish(record, ImportTally::Outcome::kUpdated, "");
                             return;
                           }
                           Refuse(record, "reference",
                                  absl::StrCat(name,
                                               " was updated, but its sources "
                                               "were not: ",
                                               sources.message()));
                         });
      return;
    }
    case IncidentUpdater::Verdict::kFailed:
      Refuse(record, VerisPathOf(result.status.message()),
             ServerRefusal(result.status));
      return;
  }
}

void ImportPipeline::OnOwn(std::shared_ptr<Record> record,
                           ImportTally::Outcome outcome,
                           const inc::Incident& stored) {
  // A new incident got its sources in its create. One stored by an older
  // importer (which created sources one by one after the incident) may
  // lack some, when that run stopped in between: they are created now.
  const std::vector<std::string>& urls = record->mapped.source_urls;
  if (static_cast<size_t>(stored.source_count()) >= urls.size()) {
    Finish(record, outcome, "");
    return;
  }
  std::string name = stored.name();
  sources_.Create(name, urls, [this, record, outcome, name](absl::Status s) {
    if (s.ok()) {
      Finish(record, outcome, "");
      return;
    }
    Refuse(record, "reference",
           absl::StrCat(name,
                        " was stored, but not all its sources (import the "
                        "record again to add them): ",
                        s.message()));
  });
}

void ImportPipeline::Refuse(const std::shared_ptr<Record>& record,
                            absl::string_view path, absl::string_view reason) {
  Finish(record, ImportTally::Outcome::kRefused,
         absl::StrCat(record->locator, ": ", path, ": ", reason));
}

void ImportPipeline::Finish(const std::shared_ptr<Record>& record,
                            ImportTally::Outcome outcome, std::string line) {
  tally_.Add(record->sequence, outcome, std::move(line));
  absl::MutexLock lock(&mu_);
  --open_;
}

void ImportPipeline::WaitIdle(const std::function<void()>& tick) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]()
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return open_ == 0; };
  while (
      !mu_.AwaitWithTimeout(absl::Condition(&idle), options_.tick_interval)) {
    mu_.Unlock();
    tick();
    mu_.Lock();
  }
}

}  // namespace atlas::atlasctl::veris
