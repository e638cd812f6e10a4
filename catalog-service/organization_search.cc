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
      api::QueryFingerprint({"SearchOrganizations", q});
  // A cursor is the sort key of the last result served.
  using SortKey = std::tuple<int, std::string, std::string>;
  std::optional<SortKey> after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::string cursor,
                     api::DecodePageToken(request.page_token(), fingerprint));
    std::vector<std::string> parts =
        absl::StrSplit(cursor, absl::MaxSplits(absl::string_view("\0", 1), 2));
    if (parts.size() != 3 || parts[0].size() != 1) {
      return absl::InvalidArgumentError("page_token: malformed");
    }
    after = SortKey(parts[0][0] - '0', parts[1], parts[2]);
  }

  struct Hit {
    int kind;
    std::string matched;
  };
  std::map<std::string, Hit> best;  // by id
  auto consider = [&](absl::string_view id, int kind, absl::string_view text) {
    auto it = best.find(std::string(id));
    if (it == best.end() || kind < it->second.kind) {
      best[std::string(id)] = Hit{kind, std::string(text)};
    }
  };
  absl::Status s =
      store_.ScanSearch(q, [&](const CatalogStore::SearchEntry& e) {
        bool exact = e.whole && e.folded == q;
        consider(e.id,
                 exact ? v1::SearchResult::EXACT : v1::SearchResult::PREFIX,
                 e.text);
        return true;
      });
  if (!s.ok()) return StorageError(s, "SearchOrganizations");

  std::vector<std::pair<SortKey, v1::SearchResult>> results;
  std::set<std::string> loaded;
  auto load = [&]() -> absl::Status {
    std::vector<std::string> ids;
    for (const auto& [id, hit] : best) {
      if (!loaded.contains(id)) ids.push_back(id);
    }
    auto orgs = store_.GetOrganizations(ids);
    if (!orgs.ok()) return StorageError(orgs.status(), "SearchOrganizations");
    for (size_t i = 0; i < ids.size(); ++i) {
      loaded.insert(ids[i]);
      if (!(*orgs)[i].has_value()) continue;
      const Hit& hit = best[ids[i]];
      SortKey key(hit.kind, FoldForSearch((*orgs)[i]->display_name()),
                  (*orgs)[i]->name());
      if (after && !(*after < key)) continue;
      v1::SearchResult result;
      *result.mutable_organization() = std::move(*(*orgs)[i]);
      result.set_match_kind(static_cast<v1::SearchResult::MatchKind>(hit.kind));
      result.set_matched_text(hit.matched);
      results.emplace_back(std::move(key), std::move(result));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(load());
  // Substring matches rank last: look for them only when the better ones
  // do not fill this page. This pass reads every whole-text entry.
  if (static_cast<int>(results.size()) <= page_size) {
    s = store_.ScanSearch("", [&](const CatalogStore::SearchEntry& e) {
      if (e.whole && !best.contains(std::string(e.id)) &&
          absl::StrContains(e.folded, q)) {
        consider(e.id, v1::SearchResult::SUBSTRING, e.text);
      }
      return true;
    });
    if (!s.ok()) return StorageError(s, "SearchOrganizations");
    RETURN_IF_ERROR(load());
  }
  std::sort(results.begin(), results.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  v1::SearchOrganizationsResponse response;
  for (auto& [key, result] : results) {
    if (response.results_size() == page_size) {
      const SortKey& last = results[page_size - 1].first;
      response.set_next_page_token(api::EncodePageToken(
          fingerprint,
          absl::StrCat(std::get<0>(last), absl::string_view("\0", 1),
                       std::get<1>(last), absl::string_view("\0", 1),
                       std::get<2>(last))));
      break;
    }
    *response.add_results() = std::move(result);
  }
  auth::Redact(caller, &response);
  return response;
}

absl::StatusOr<v1::ResolveOrganizationResponse> OrganizationSearch::Resolve(
    const auth::Caller& caller,
    const v1::ResolveOrganizationRequest& request) const {
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
  absl::Status s = store_.ScanSearch(
      absl::StrCat(folded, absl::string_view("\0", 1)),
      [&](const CatalogStore::SearchEntry& e) {
        if (e.whole && e.source != 'd' &&
            std::find(ids.begin(), ids.end(), e.id) == ids.end()) {
          ids.emplace_back(e.id);
        }
        return static_cast<int>(ids.size()) <= kMaxCandidates;
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
