#include "incident-service/incident_creator.h"

#include <algorithm>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/aip/digest.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
#include "common/api/types/external_reference.h"
#include "common/api/types/partial_date.h"
#include "common/auth/redaction.h"
#include "common/logging/log.h"
#include "common/status/status_macros.h"
#include "common/storage/storage_error.h"
#include "incident-service/derived_figures.h"
#include "incident-service/incident_records.h"
#include "incident-service/timeline_core.h"

namespace atlas::incident {
namespace {

using v1::Incident;
constexpr storage::ReadView kLatest = storage::ReadView::kLatest;

// INVALID_ARGUMENT naming the victim of `incident` (under `field`) that is
// `missing` from the catalog; OK if no victim is.
absl::Status MissingVictimError(const Incident& incident,
                                absl::string_view field,
                                absl::string_view missing) {
  for (int i = 0; i < incident.victims_size(); ++i) {
    if (incident.victims(i).organization() == missing) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".victims[", i, "].organization: ", missing,
                       " does not exist in the catalog"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status IncidentCreator::CheckVictimsExist(
    OrganizationDirectory& directory, const Incident& incident,
    absl::string_view field) {
  std::vector<std::string> names;
  for (const v1::Victim& v : incident.victims())
    names.push_back(v.organization());
  ASSIGN_OR_RETURN(std::optional<std::string> missing,
                   directory.FindMissing(names));
  if (!missing.has_value()) return absl::OkStatus();
  RETURN_IF_ERROR(MissingVictimError(incident, field, *missing));
  return absl::InvalidArgumentError(
      absl::StrCat(field, ".victims: ", *missing, " does not exist"));
}

absl::StatusOr<Incident> IncidentCreator::CreateIncident(
    const auth::Caller& caller, const v1::CreateIncidentRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "CreateIncident"));
  RETURN_IF_ERROR(api::RejectUnknownFields(request));
  PendingCreate create;
  create.caller = &caller;
  RETURN_IF_ERROR(PrepareCreate(request, &create));
  return CombinedCreate(&create);
}

absl::StatusOr<v1::BatchCreateIncidentsResponse>
IncidentCreator::BatchCreateIncidents(
    const auth::Caller& caller,
    const v1::BatchCreateIncidentsRequest& request) {
  RETURN_IF_ERROR(
      auth::RequireRole(caller, auth::Role::kEditor, "BatchCreateIncidents"));
  RETURN_IF_ERROR(api::RejectUnknownFields(request));
  if (request.requests_size() == 0) {
    return absl::InvalidArgumentError(
        "requests: at least one request is required");
  }
  RETURN_IF_ERROR(
      api::ValidateCount(request.requests_size(), "requests", kMaxBatchCreate));
  std::vector<PendingCreate> creates(request.requests_size());
  std::vector<PendingCreate*> group;
  absl::flat_hash_map<absl::string_view, int> ids;
  absl::flat_hash_map<absl::string_view, int> request_ids;
  for (int i = 0; i < request.requests_size(); ++i) {
    const v1::CreateIncidentRequest& r = request.requests(i);
    const std::string prefix = absl::StrCat("requests[", i, "].");
    creates[i].caller = &caller;
    creates[i].field_prefix = prefix;
    absl::Status s = PrepareCreate(r, &creates[i]);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat(prefix, s.message()));
    }
    if (!r.incident_id().empty()) {
      auto [it, inserted] = ids.emplace(r.incident_id(), i);
      if (!inserted) {
        return absl::InvalidArgumentError(
            absl::StrCat(prefix, "incident_id: \"", r.incident_id(),
                         "\" is also requests[", it->second, "].incident_id"));
      }
    }
    if (!r.request_id().empty()) {
      auto [it, inserted] = request_ids.emplace(r.request_id(), i);
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrCat(
            prefix, "request_id: also requests[", it->second, "].request_id"));
      }
    }
    group.push_back(&creates[i]);
  }
  RETURN_IF_ERROR(
      CreateIncidents("BatchCreateIncidents", group, /*atomic=*/true, [] {}));
  v1::BatchCreateIncidentsResponse response;
  response.mutable_incidents()->Reserve(static_cast<int>(creates.size()));
  for (PendingCreate& c : creates)
    *response.add_incidents() = *std::move(c.result);
  return response;
}

absl::Status IncidentCreator::PrepareCreate(
    const v1::CreateIncidentRequest& request, PendingCreate* out) {
  RETURN_IF_ERROR(api::ValidateRequestId(request.request_id()));
  if (!request.has_incident()) {
    return absl::InvalidArgumentError("incident: required");
  }
  if (!request.incident_id().empty()) {
    RETURN_IF_ERROR(api::ValidateId(request.incident_id(), "incident_id"));
  }
  out->request = &request;
  out->id = request.incident_id();
  out->incident = WritableCopy(request.incident());
  RETURN_IF_ERROR(validator_.ValidateIncident(&out->incident, "incident"));
  RETURN_IF_ERROR(PrepareSources(request, out));
  out->fingerprint = api::RequestFingerprint(request);
  return absl::OkStatus();
}

absl::Status IncidentCreator::PrepareSources(
    const v1::CreateIncidentRequest& request, PendingCreate* out) {
  RETURN_IF_ERROR(api::ValidateCount(request.sources_size(), "sources",
                                     TimelineCore::kMaxSourcesPerIncident));
  const std::string own_name =
      request.incident_id().empty()
          ? std::string()
          : absl::StrCat(kIncidentCollection, "/", request.incident_id());
  absl::flat_hash_map<absl::string_view, int> ids;
  out->sources.reserve(request.sources_size());
  for (int i = 0; i < request.sources_size(); ++i) {
    const v1::CreateSourceRequest& r = request.sources(i);
    const std::string field = absl::StrCat("sources[", i, "]");
    if (!r.parent().empty() && r.parent() != own_name) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".parent: must be empty or the incident's own name",
          own_name.empty() ? " (and the request sets no incident_id)" : "",
          "; sources are created under the new incident"));
    }
    if (!r.request_id().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field,
                       ".request_id: must be empty; the incident's "
                       "request_id covers its sources"));
    }
    if (!r.source_id().empty()) {
      RETURN_IF_ERROR(
          api::ValidateId(r.source_id(), absl::StrCat(field, ".source_id")));
      auto [it, inserted] = ids.emplace(r.source_id(), i);
      if (!inserted) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".source_id: \"", r.source_id(),
                         "\" is also sources[", it->second, "].source_id"));
      }
    }
    if (!r.has_source()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".source: required"));
    }
    v1::Source& source = out->sources.emplace_back(r.source());
    RETURN_IF_ERROR(
        validator_.ValidateSource(&source, absl::StrCat(field, ".source")));
    source.set_name(r.source_id());  // the id, until PutSources names it
  }
  return absl::OkStatus();
}

void IncidentCreator::PutSources(PendingCreate& create, int64_t first_ordinal,
                                 absl::Time now, storage::WriteBatch* batch) {
  absl::flat_hash_set<std::string> taken;
  for (const v1::Source& s : create.sources) {
    if (!s.name().empty()) taken.insert(s.name());
  }
  int64_t ordinal = first_ordinal;
  for (v1::Source& source : create.sources) {
    std::string id = source.name();
    if (id.empty()) {
      do {
        id = api::GenerateId();
      } while (!taken.insert(id).second);
    }
    source.set_name(absl::StrCat(create.incident.name(), "/sources/", id));
    *source.mutable_create_time() = api::ToProtoTimestamp(now);
    *source.mutable_update_time() = source.create_time();
    SetEtag(&source);
    IncidentStore::PutSource(create.id, {source, ordinal++}, batch);
  }
}

absl::StatusOr<std::optional<Incident>> IncidentCreator::Replayed(
    const PendingCreate& create, absl::string_view op, storage::ReadView view) {
  ASSIGN_OR_RETURN(std::optional<std::string> name,
                   ReplayedName(store_, create.request->request_id(),
                                create.fingerprint, op, view));
  if (!name.has_value()) return std::optional<Incident>();
  ASSIGN_OR_RETURN(StoredIncident existing,
                   LoadIncident(store_, IncidentIdOf(*name), op, view));
  auth::Redact(*create.caller, &existing.record);
  return std::optional<Incident>(std::move(existing.record));
}

absl::StatusOr<Incident> IncidentCreator::CombinedCreate(
    PendingCreate* create) {
  CreateSlot slot;
  slot.create = create;
  const absl::Time lead_anyway = absl::Now() + kMaxCombineWait;
  combine_mu_.Lock();
  combine_queue_.push_back(&slot);
  while (!slot.done) {
    // Woken (each waiter on its own condition variable, so no herd) when
    // its group is done, when it is first in line as leadership passes on,
    // or at its deadline.
    if (!slot.queued) {
      slot.cv.Wait(&combine_mu_);
      continue;
    }
    if (combine_leaders_ > 0 && absl::Now() < lead_anyway) {
      slot.cv.WaitWithDeadline(&combine_mu_, lead_anyway);
      continue;
    }
    // Lead one group: every create waiting now, this one included (at
    // most write_threads wait here, far fewer than kMaxBatchCreate; if
    // more ever did, the rest lead the next group).
    ++combine_leaders_;
    std::vector<CreateSlot*> slots;
    std::vector<PendingCreate*> group;
    while (!combine_queue_.empty() &&
           group.size() < static_cast<size_t>(kMaxBatchCreate)) {
      CreateSlot* s = combine_queue_.front();
      combine_queue_.pop_front();
      s->queued = false;
      slots.push_back(s);
      group.push_back(s->create);
    }
    combine_mu_.Unlock();
    // Leadership passes on once the group is appended, so the next group's
    // checks overlap this group's WAL sync.
    (void)CreateIncidents("CreateIncident", group, /*atomic=*/false, [this] {
      absl::MutexLock lock(&combine_mu_);
      --combine_leaders_;
      if (combine_leaders_ == 0 && !combine_queue_.empty()) {
        combine_queue_.front()->cv.Signal();
      }
    });
    combine_mu_.Lock();
    for (CreateSlot* s : slots) {
      s->done = true;
      s->cv.Signal();
    }
  }
  combine_mu_.Unlock();
  return std::move(create->result);
}

absl::Status IncidentCreator::CreateIncidents(
    absl::string_view op, const std::vector<PendingCreate*>& creates,
    bool atomic, absl::FunctionRef<void()> on_appended) {
  bool appended = false;
  auto signal_appended = [&] {
    if (!appended) {
      appended = true;
      on_appended();
    }
  };
  absl::Cleanup always_signal = signal_appended;
  // Creates still to be written; the others have their result.
  std::vector<PendingCreate*> open;
  // Records a failure of `c`. In a batch the first failure is the answer
  // for every create; field errors name the request there, storage errors
  // stay generic.
  absl::Status batch_failure;
  auto fail = [&](PendingCreate* c, absl::Status s) {
    if (absl::IsInvalidArgument(s) && !c->field_prefix.empty()) {
      s = absl::Status(s.code(), absl::StrCat(c->field_prefix, s.message()));
    }
    c->result = s;
    if (atomic && batch_failure.ok()) batch_failure = s;
  };
  auto fail_all = [&](const absl::Status& s) {
    for (PendingCreate* c : creates) c->result = s;
    return s;
  };
  // A failure of the whole group (catalog unreachable, storage): in a
  // batch every create's answer; otherwise that of every create still
  // open (replayed ones keep their answer, as they would alone).
  auto fail_open = [&](const absl::Status& s) {
    if (atomic) return fail_all(s);
    for (PendingCreate* c : open) c->result = s;
    return s;
  };

  // 1. A retry of a committed request answers without asking the catalog.
  for (PendingCreate* c : creates) {
    absl::StatusOr<std::optional<Incident>> replayed =
        Replayed(*c, op, storage::ReadView::kDurable);
    if (!replayed.ok()) {
      fail(c, replayed.status());
    } else if (replayed->has_value()) {
      c->result = **std::move(replayed);
    } else {
      open.push_back(c);
    }
    if (!batch_failure.ok()) return fail_all(batch_failure);
  }

  // 2. One catalog call for the distinct victims of every open create. A
  // missing victim fails the creates naming it, and the others are checked
  // again (in a batch it fails the batch).
  while (!open.empty()) {
    std::vector<std::string> names;
    absl::flat_hash_set<absl::string_view> seen;
    for (PendingCreate* c : open) {
      for (const v1::Victim& v : c->incident.victims()) {
        if (seen.insert(v.organization()).second)
          names.push_back(v.organization());
      }
    }
    absl::StatusOr<std::optional<std::string>> missing =
        directory_.FindMissing(names);
    if (!missing.ok()) return fail_open(missing.status());
    if (!missing->has_value()) break;
    std::vector<PendingCreate*> still_open;
    for (PendingCreate* c : open) {
      absl::Status s = MissingVictimError(c->incident, "incident", **missing);
      if (s.ok()) {
        still_open.push_back(c);
      } else {
        fail(c, s);
        if (!batch_failure.ok()) return fail_all(batch_failure);
      }
    }
    if (still_open.size() == open.size()) {
      log::Error("catalog named a missing victim nobody asked for",
                 {{"victim", **missing}});
      return fail_open(absl::InternalError("victim check failed"));
    }
    open = std::move(still_open);
  }

  // 3. Under the write mutex: the checks on the kLatest view, the batch and
  // its append. Then, without the mutex, the shared WAL sync.
  std::vector<PendingCreate*> created;
  // request_id -> the create of this group that carries it: a second
  // combined call with the same request_id is a retry of the first and
  // gets its answer.
  absl::flat_hash_map<absl::string_view, PendingCreate*> group_requests;
  std::vector<std::pair<PendingCreate*, PendingCreate*>> retries;
  // Run answers only once the WAL covers this group's write and every
  // write its checks read, so no answer derived from unsynced state leaves
  // before it is durable; leadership passes on once the group is appended.
  absl::StatusOr<bool> written = writer_.Run<bool>(
      op,
      [&]() -> absl::StatusOr<bool> {
        const absl::Time now = clock_.Now();
        storage::WriteBatch batch;
        std::vector<v1::IncidentChange> changes;
        int64_t ordinal = changelog_.next_sequence();
        absl::flat_hash_set<std::string> generated;
        // External references of this group's creates -> the create.
        absl::flat_hash_map<std::string, PendingCreate*> claimed_references;
        for (PendingCreate* c : open) {
          const std::string& request_id = c->request->request_id();
          if (!request_id.empty()) {
            auto [it, inserted] = group_requests.emplace(request_id, c);
            if (!inserted) {
              if (it->second->fingerprint == c->fingerprint) {
                retries.emplace_back(c, it->second);
              } else {
                fail(c,
                     absl::InvalidArgumentError(
                         "request_id: already used for a different request"));
              }
              continue;
            }
          }
          // Checked again under the lock: a concurrent retry may have
          // committed.
          absl::StatusOr<std::optional<Incident>> replayed =
              Replayed(*c, op, kLatest);
          if (!replayed.ok()) {
            fail(c, replayed.status());
            if (!batch_failure.ok()) return absl::StatusOr<bool>(batch_failure);
            continue;
          }
          if (replayed->has_value()) {
            c->result = **std::move(replayed);
            continue;
          }
          if (c->id.empty()) {
            do {
              c->id = api::GenerateId();
            } while (!generated.insert(c->id).second);
          } else if (!generated.insert(c->id).second) {
            // Two combined calls asking for the same new id: the first wins.
            fail(c, absl::AlreadyExistsError(absl::StrCat(
                        kIncidentCollection, "/", c->id, " already exists")));
            continue;
          }
          const std::string name =
              absl::StrCat(kIncidentCollection, "/", c->id);
          auto current = store_.GetIncident(c->id, kLatest);
          if (current.ok()) {
            fail(c, absl::AlreadyExistsError(
                        c->field_prefix.empty()
                            ? absl::StrCat(name, " already exists")
                            : absl::StrCat(c->field_prefix, "incident_id: ",
                                           name, " already exists")));
            if (!batch_failure.ok()) return absl::StatusOr<bool>(batch_failure);
            continue;
          }
          if (!absl::IsNotFound(current.status())) {
            return storage::StorageError(current.status(), op);
          }
          // A (system, id) pair names one incident: one stored, or one
          // created before in this group (checked here, under the write
          // mutex, so concurrent creates of one pair cannot both pass).
          absl::Status held;
          for (int r = 0;
               held.ok() && r < c->incident.external_references_size(); ++r) {
            const std::string key =
                api::ExternalReferenceText(c->incident.external_references(r));
            const std::string path = absl::StrCat(
                c->field_prefix, "incident.external_references[", r, "]");
            auto claimed = claimed_references.find(key);
            if (claimed != claimed_references.end()) {
              const PendingCreate& holder = *claimed->second;
              held = ExternalReferenceTaken(
                  path, key,
                  holder.field_prefix.empty()
                      ? absl::StrCat(kIncidentCollection, "/", holder.id)
                      : absl::StrCat(holder.field_prefix, "incident"));
              continue;
            }
            auto stored = store_.ExternalReferenceHolder(key, kLatest);
            if (!stored.ok()) {
              return storage::StorageError(stored.status(), op);
            }
            if (stored->has_value()) {
              held = ExternalReferenceTaken(
                  path, key, absl::StrCat(kIncidentCollection, "/", **stored));
            }
          }
          if (!held.ok()) {
            fail(c, held);
            if (!batch_failure.ok()) return absl::StatusOr<bool>(batch_failure);
            continue;
          }
          for (const auto& r : c->incident.external_references()) {
            claimed_references.emplace(api::ExternalReferenceText(r), c);
          }
          Incident& incident = c->incident;
          incident.set_name(name);
          SetCounts(&incident);
          incident.set_source_count(static_cast<int>(c->sources.size()));
          *incident.mutable_derived_figures() = ComputeDerivedFigures({});
          *incident.mutable_create_time() = api::ToProtoTimestamp(now);
          *incident.mutable_update_time() = incident.create_time();
          SetEtag(&incident);
          // The ordinal is the sequence of the change that creates it: the
          // changes below take consecutive sequences in this order.
          StoredIncident stored{incident, ordinal++};
          IncidentStore::PutIncident(stored, nullptr, &batch);
          PutSources(*c, stored.ordinal, now, &batch);
          if (!c->request->request_id().empty()) {
            IncidentStore::PutRequest(c->request->request_id(),
                                      {c->fingerprint, name}, &batch);
          }
          v1::IncidentChange& change = changes.emplace_back();
          change.set_change_type(v1::IncidentChange::CREATED);
          *change.mutable_incident() = incident;
          *change.mutable_commit_time() = incident.create_time();
          created.push_back(c);
        }
        if (changes.empty()) return true;
        auto first = changelog_.Commit(std::move(batch), std::move(changes));
        if (!first.ok()) return storage::StorageError(first.status(), op);
        // One line per group (a write(2) each): the names in sequence order.
        std::vector<absl::string_view> names, callers;
        for (const PendingCreate* c : created) {
          names.push_back(c->incident.name());
          if (std::find(callers.begin(), callers.end(), c->caller->label) ==
              callers.end()) {
            callers.push_back(c->caller->label);
          }
        }
        log::Info(
            created.size() == 1 ? "incident created" : "incidents created",
            {{"count", static_cast<int64_t>(created.size())},
             {"first_sequence", *first},
             {"names", absl::StrJoin(names, ",")},
             {"by", absl::StrJoin(callers, ",")}});
        return true;
      },
      signal_appended);
  if (!written.ok()) {
    // Nothing of this group is known to be durable.
    return fail_open(written.status());
  }
  for (PendingCreate* c : created) {
    auth::Redact(*c->caller, &c->incident);
    c->result = std::move(c->incident);
  }
  for (auto [retry, first] : retries) retry->result = first->result;
  return absl::OkStatus();
}

}  // namespace atlas::incident
