#include "catalog-service/organization_search.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "catalog-service/search_key.h"
#include "common/api/aip/page_token.h"
#include "common/api/aip/validation.h"
#include "common/api/types/external_reference.h"
#include "common/api/types/url.h"
#include "common/auth/redaction.h"
#include "common/status/status_macros.h"
#include "common/storage/storage_error.h"

namespace atlas::catalog {
namespace {

using storage::StorageError;
using v1::Organization;

// Resolve answers at most this many candidates for an ambiguous name.
constexpr int kMaxCandidates = 20;

constexpr absl::string_view kSep("\0", 1);

// Index entries one call examines at most beyond its page size; past it
// the page is returned short, with a next_page_token.
constexpr int kScanBudget = 1000;
// Entries read per MultiGet of their organisations.
constexpr int kChunk = 64;

// A search index entry copied out of a scan.
struct Scanned {
  std::string position;
  std::string folded;
  std::string id;
  bool whole;
  std::string text;
};

}  // namespace

absl::StatusOr<v1::SearchOrganizationsResponse> OrganizationSearch::Search(
    const auth::Caller& caller,
    const v1::SearchOrganizationsRequest& request) const {
  RETURN_IF_ERROR(api::ValidateText(request.query(), "query", 1, 200));
  const std::string q = FoldForSearch(request.query());
  if (q.empty()) {
    return absl::InvalidArgumentError("query: has no searchable characters");
  }
  ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(request.page_size()));
  const std::string fingerprint =
      api::QueryFingerprint({"SearchOrganizations/2", q});
  // The cursor: the phase ('E' exact, 'P' prefix) and the position of the
  // last index entry examined in it.
  char phase = 'E';
  std::string after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::string cursor,
                     api::DecodePageToken(request.page_token(), fingerprint));
    if (cursor.empty() || (cursor[0] != 'E' && cursor[0] != 'P')) {
      return absl::InvalidArgumentError("page_token: malformed");
    }
    phase = cursor[0];
    after = cursor.substr(1);
  }

  v1::SearchOrganizationsResponse response;
  int budget = page_size + kScanBudget;
  // The search entries of each organisation loaded, to tell whether an
  // entry is the one its organisation is served at.
  std::map<std::string, std::map<std::string, std::string>> entries_of;
  std::string last;  // position of the last entry examined
  bool done = false;
  while (!done && response.results_size() < page_size && budget > 0) {
    // One chunk of entries, then their organisations in one MultiGet.
    std::vector<Scanned> chunk;
    const int chunk_size = std::min(budget, kChunk);
    auto collect = [&](const CatalogStore::SearchEntry& e) {
      chunk.push_back(Scanned{std::string(e.position), std::string(e.folded),
                              std::string(e.id), e.whole, std::string(e.text)});
      return static_cast<int>(chunk.size()) < chunk_size;
    };
    absl::Status s = phase == 'E' ? store_.ScanWholeTexts(q, after, collect)
                                  : store_.ScanSearch(q, after, collect);
    if (!s.ok()) return StorageError(s, "SearchOrganizations");
    const bool exhausted = static_cast<int>(chunk.size()) < chunk_size;
    std::vector<std::string> ids;
    for (const Scanned& e : chunk) {
      if (phase == 'E' && !e.whole) continue;
      ids.push_back(e.id);
    }
    auto orgs = store_.GetOrganizations(ids);
    if (!orgs.ok()) return StorageError(orgs.status(), "SearchOrganizations");
    std::map<std::string, Organization*> by_id;
    for (auto& org : *orgs) {
      if (org.has_value()) by_id[CatalogStore::IdOf(org->name())] = &*org;
    }
    bool full = false;
    for (const Scanned& e : chunk) {
      --budget;
      last = e.position;
      auto it = by_id.find(e.id);
      if (it == by_id.end()) continue;
      v1::SearchResult::MatchKind kind = v1::SearchResult::EXACT;
      if (phase == 'E') {
        if (!e.whole) continue;
      } else {
        // Served once, at the organisation's first entry in index order
        // among those the query prefixes, unless it matched exactly.
        auto [entries, added] = entries_of.try_emplace(e.id);
        if (added) entries->second = CatalogStore::SearchEntries(*it->second);
        const auto& mine = entries->second;
        auto exact = mine.find(q);
        if (exact != mine.end() && exact->second[0] == 'W') continue;
        auto first = mine.lower_bound(q);
        if (first == mine.end() || first->first != e.folded) continue;
        kind = v1::SearchResult::PREFIX;
      }
      v1::SearchResult* result = response.add_results();
      *result->mutable_organization() = *it->second;
      result->set_match_kind(kind);
      result->set_matched_text(e.text);
      if (response.results_size() == page_size) {
        full = true;
        break;
      }
    }
    if (full) break;
    if (exhausted && phase == 'P') {
      done = true;
    } else if (exhausted) {
      phase = 'P';  // exact matches done: the prefix ones, from the start
      last.clear();
    }
    after = last;
  }
  if (!done) {
    response.set_next_page_token(api::EncodePageToken(
        fingerprint, absl::StrCat(absl::string_view(&phase, 1), last)));
  }
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<v1::ResolveOrganizationResponse>
OrganizationSearch::ResolveExternalReference(
    const auth::Caller& caller,
    const type::v1::ExternalReference& reference) const {
  ASSIGN_OR_RETURN(std::string system,
                   api::NormalizeExternalSystem(reference.system(),
                                                "external_reference.system"));
  RETURN_IF_ERROR(
      api::ValidateExternalId(reference.id(), "external_reference.id"));
  auto not_found = [&] {
    return absl::NotFoundError(
        absl::StrCat("external_reference: no organization holds ", system, ":",
                     absl::string_view(reference.id()).substr(0, 200)));
  };
  auto holder = store_.ExternalReferenceHolder(system, reference.id());
  if (!holder.ok()) return StorageError(holder.status(), "ResolveOrganization");
  if (!holder->has_value()) return not_found();
  auto org = store_.GetOrganization(**holder);
  // An index entry without its record is never written; treated as absent.
  if (absl::IsNotFound(org.status())) return not_found();
  if (!org.ok()) return StorageError(org.status(), "ResolveOrganization");
  v1::ResolveOrganizationResponse response;
  *response.mutable_organization() = *std::move(org);
  response.set_resolved_by(v1::ResolveOrganizationResponse::EXTERNAL_REFERENCE);
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<v1::ResolveOrganizationResponse> OrganizationSearch::Resolve(
    const auth::Caller& caller,
    const v1::ResolveOrganizationRequest& request) const {
  if (request.has_external_reference()) {
    if (!request.query().empty()) {
      return absl::InvalidArgumentError(
          "external_reference: set either query or external_reference, not "
          "both");
    }
    return ResolveExternalReference(caller, request.external_reference());
  }
  if (request.query().empty()) {
    return absl::InvalidArgumentError(
        "query: required (or set external_reference instead)");
  }
  RETURN_IF_ERROR(api::ValidateText(request.query(), "query", 1, 2048));
  const std::string refanged = api::Refang(request.query());
  const bool has_space = refanged.find(' ') != std::string::npos;
  const bool url_like = absl::StrContains(refanged, "://") ||
                        (!has_space && absl::StrContains(refanged, "/"));
  const bool domain_like = !has_space && absl::StrContains(refanged, ".");
  v1::ResolveOrganizationResponse response;
  if (url_like || domain_like) {
    auto domain = api::RegistrableDomain(request.query(), "query");
    if (!domain.ok() && url_like) return domain.status();
    if (domain.ok()) {
      auto owner = store_.DomainOwner(*domain);
      if (!owner.ok())
        return StorageError(owner.status(), "ResolveOrganization");
      if (owner->has_value()) {
        auto org = store_.GetOrganization(**owner);
        if (!org.ok()) return StorageError(org.status(), "ResolveOrganization");
        *response.mutable_organization() = *std::move(org);
        response.set_resolved_by(v1::ResolveOrganizationResponse::DOMAIN);
        auth::Redact(caller, &response);
        return response;
      }
      if (url_like) {
        return absl::NotFoundError(
            absl::StrCat("query: no organization owns the domain ", *domain));
      }
    }
  }
  // A name or alias, compared folded.
  const std::string folded = FoldForSearch(request.query());
  std::vector<std::string> ids;
  int budget = kScanBudget;
  absl::Status s = store_.ScanWholeTexts(
      folded, "", [&](const CatalogStore::SearchEntry& e) {
        if (e.whole && e.source != 'd' &&
            std::find(ids.begin(), ids.end(), e.id) == ids.end()) {
          ids.emplace_back(e.id);
        }
        return static_cast<int>(ids.size()) <= kMaxCandidates && --budget > 0;
      });
  if (!s.ok()) return StorageError(s, "ResolveOrganization");
  if (folded.empty() || ids.empty()) {
    return absl::NotFoundError(
        absl::StrCat("query: no organization has the name, alias or domain \"",
                     request.query().substr(0, 100), "\""));
  }
  if (static_cast<int>(ids.size()) > kMaxCandidates) ids.resize(kMaxCandidates);
  auto orgs = store_.GetOrganizations(ids);
  if (!orgs.ok()) return StorageError(orgs.status(), "ResolveOrganization");
  std::vector<Organization> found;
  for (auto& org : *orgs) {
    if (org.has_value()) found.push_back(std::move(*org));
  }
  if (found.empty()) {
    return absl::NotFoundError(
        absl::StrCat("query: no organization has the name, alias or domain \"",
                     request.query().substr(0, 100), "\""));
  }
  response.set_resolved_by(v1::ResolveOrganizationResponse::NAME);
  if (found.size() == 1) {
    *response.mutable_organization() = std::move(found[0]);
  } else {
    std::sort(found.begin(), found.end(),
              [](const Organization& a, const Organization& b) {
                return std::tie(a.display_name(), a.name()) <
                       std::tie(b.display_name(), b.name());
              });
    for (Organization& org : found) {
      *response.add_candidates() = std::move(org);
    }
  }
  auth::Redact(caller, &response);
  return response;
}

}  // namespace atlas::catalog
