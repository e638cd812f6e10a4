#include "tools/atlasctl/veris/victim_resolver.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/api/aip/digest.h"

namespace atlas::atlasctl::veris {
namespace {

namespace catalog = ::atlas::catalog::v1;

constexpr size_t kMaxIdChars = 63;
// 48 bits: two of a hundred thousand names whose slugs are cut to the same
// 50 characters (a long name with a distinguishing tail) still get
// distinct ids.
constexpr size_t kHashChars = 12;

std::string HashedId(const std::string& slug, const std::string& name) {
  std::string head = slug.substr(0, kMaxIdChars - 1 - kHashChars);
  while (!head.empty() && head.back() == '-') head.pop_back();
  return absl::StrCat(head, "-",
                      api::HexEncode(api::Sha256(name)).substr(0, kHashChars));
}

absl::Status Failure(const absl::Status& status, absl::string_view doing) {
  return absl::Status(
      status.code(),
      absl::StrCat(doing, ": ", absl::StatusCodeToString(status.code()), ": ",
                   status.message()));
}

}  // namespace

std::string VictimResolver::RequestIdFor(
    catalog::CreateOrganizationRequest request) {
  request.clear_request_id();
  return absl::StrCat(
      "vv-", api::HexEncode(api::Sha256(api::DeterministicBytes(request)))
                 .substr(0, 40));
}

void VictimResolver::Resolve(
    const VictimDescription& victim,
    std::function<void(absl::StatusOr<std::string>)> done) {
  const std::string& name = victim.organization.display_name();
  auto deliver = [path = victim.veris_path, done = std::move(done)](
                     const absl::StatusOr<std::string>& result) {
    if (result.ok()) {
      done(*result);
    } else {
      done(absl::Status(result.status().code(),
                        absl::StrCat(path, ": ", result.status().message())));
    }
  };
  std::shared_ptr<Entry> entry;
  std::optional<absl::StatusOr<std::string>> cached;
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = entries_.try_emplace(name);
    if (!inserted && !it->second->done) {
      it->second->waiters.push_back(std::move(deliver));
      return;
    }
    if (!inserted) {
      cached = it->second->result;
    } else {
      it->second = std::make_shared<Entry>();
      it->second->waiters.push_back(std::move(deliver));
      entry = it->second;
      ++counts_.victims;
    }
  }
  if (cached.has_value()) {
    deliver(*cached);
    return;
  }
  auto description = std::make_shared<const VictimDescription>(victim);
  ByReference(entry, description,
              [this, entry, description] { ByName(entry, description); });
}

void VictimResolver::ByReference(
    std::shared_ptr<Entry> entry,
    std::shared_ptr<const VictimDescription> victim,
    std::function<void()> if_not_found) {
  catalog::ResolveOrganizationRequest request;
  *request.mutable_external_reference() =
      victim->organization.external_references(0);
  catalog_.Resolve(
      std::move(request),
      [this, entry, if_not_found = std::move(if_not_found)](
          absl::StatusOr<catalog::ResolveOrganizationResponse> response) {
        if (response.ok() && response->has_organization()) {
          Finish(entry, response->organization().name(), &Counts::by_reference);
        } else if (response.ok() || absl::IsNotFound(response.status())) {
          if_not_found();
        } else {
          Finish(entry,
                 Failure(response.status(),
                         "looking the victim up in the catalog"),
                 &Counts::failed);
        }
      });
}

void VictimResolver::ByName(std::shared_ptr<Entry> entry,
                            std::shared_ptr<const VictimDescription> victim) {
  catalog::ResolveOrganizationRequest request;
  request.set_query(victim->organization.display_name());
  catalog_.Resolve(
      std::move(request),
      [this, entry,
       victim](absl::StatusOr<catalog::ResolveOrganizationResponse> response) {
        if (response.ok() && response->has_organization()) {
          Finish(entry, response->organization().name(), &Counts::by_name);
          return;
        }
        if (response.ok()) {
          // Namesakes: only the one in the victim's country, if alone.
          const std::string& country = victim->organization.country();
          const catalog::Organization* match = nullptr;
          int matches = 0;
          for (const catalog::Organization& candidate :
               response->candidates()) {
            if (!country.empty() && candidate.country() == country) {
              match = &candidate;
              ++matches;
            }
          }
          if (matches == 1) {
            Finish(entry, match->name(), &Counts::by_name);
            return;
          }
        } else if (!absl::IsNotFound(response.status()) &&
                   !absl::IsInvalidArgument(response.status())) {
          // INVALID_ARGUMENT: a name the catalog cannot take as a query
          // (it read it as a malformed URL); nothing can match it.
          Finish(entry,
                 Failure(response.status(),
                         "looking the victim up in the catalog"),
                 &Counts::failed);
          return;
        }
        Create(entry, victim, /*hashed_id=*/false);
      });
}

void VictimResolver::Create(std::shared_ptr<Entry> entry,
                            std::shared_ptr<const VictimDescription> victim,
                            bool hashed_id) {
  catalog::CreateOrganizationRequest request;
  *request.mutable_organization() = victim->organization;
  request.set_organization_id(
      hashed_id ? HashedId(victim->organization_id,
                           victim->organization.display_name())
                : victim->organization_id);
  request.set_request_id(RequestIdFor(request));
  catalog_.Create(
      std::move(request), [this, entry, victim, hashed_id](
                              absl::StatusOr<catalog::Organization> created) {
        if (created.ok()) {
          Finish(entry, created->name(), &Counts::created);
          return;
        }
        if (!absl::IsAlreadyExists(created.status())) {
          Finish(entry,
                 Failure(created.status(),
                         "the catalog refused to create the victim"),
                 &Counts::failed);
          return;
        }
        // Created meanwhile by someone else, or the id is taken.
        absl::Status conflict = created.status();
        ByReference(entry, victim, [this, entry, victim, hashed_id, conflict] {
          if (!hashed_id) {
            Create(entry, victim, /*hashed_id=*/true);
            return;
          }
          Finish(entry,
                 Failure(conflict, "the catalog refused to create the victim"),
                 &Counts::failed);
        });
      });
}

void VictimResolver::Finish(const std::shared_ptr<Entry>& entry,
                            absl::StatusOr<std::string> result,
                            int64_t Counts::*counter) {
  std::vector<std::function<void(const absl::StatusOr<std::string>&)>> waiters;
  {
    absl::MutexLock lock(&mu_);
    entry->done = true;
    entry->result = result;
    waiters.swap(entry->waiters);
    ++(counts_.*counter);
  }
  for (auto& waiter : waiters) waiter(result);
}

VictimResolver::Counts VictimResolver::counts() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

}  // namespace atlas::atlasctl::veris
