#include "incident-service/search/incident_search.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/api/aip/page_token.h"
#include "common/status/error_details.h"
#include "common/status/status_macros.h"
#include "common/storage/storage_error.h"
#include "incident-service/incident_filter.h"
#include "incident-service/incident_order.h"
#include "incident-service/search/search_query.h"

namespace atlas::incident::search {
namespace {

// --- order_by ---------------------------------------------------------------

struct SearchOrder {
  bool by_relevance = true;
  Slot slot = kStartAscending;
  bool descending = false;
  std::string canonical = "relevance";
};

absl::StatusOr<SearchOrder> ParseSearchOrder(absl::string_view text) {
  SearchOrder order;
  const std::string lower =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (lower.empty() || lower == "relevance") return order;
  ASSIGN_OR_RETURN(IncidentOrder parsed, ParseIncidentOrder(text));
  switch (parsed.field) {
    case IncidentOrderField::kStartDate:
      order.slot = parsed.descending ? kStartDescending : kStartAscending;
      break;
    case IncidentOrderField::kDisclosedDate:
      order.slot =
          parsed.descending ? kDisclosedDescending : kDisclosedAscending;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("order_by: search orders by relevance, start_date or "
                       "disclosed_date, not ",
                       OrderFieldName(parsed.field)));
  }
  order.by_relevance = false;
  order.descending = parsed.descending;
  order.canonical = parsed.Canonical();
  return order;
}

// --- Facets -----------------------------------------------------------------

struct FacetSlot {
  const char* field;
  Slot slot;
};
constexpr FacetSlot kFacets[] = {
    {"country", kFacetCountries},
    {"incident_type", kFacetTypes},
    {"start_year", kFacetStartYear},
    {"determination", kFacetDetermination},
};
constexpr size_t kFacetCount = sizeof(kFacets) / sizeof(kFacets[0]);
// Values shown per facet, the most frequent.
constexpr size_t kFacetValues = 20;

// Counts the comma-separated values of the facet slots over the matches
// the matcher examines.
class FacetSpy : public Xapian::MatchSpy {
 public:
  void operator()(const Xapian::Document& document, double) override {
    ++examined_;
    for (size_t f = 0; f < kFacetCount; ++f) {
      const std::string values = document.get_value(kFacets[f].slot);
      for (absl::string_view v :
           absl::StrSplit(values, ',', absl::SkipEmpty())) {
        ++counts_[f][std::string(v)];
      }
    }
  }

  Xapian::doccount examined() const { return examined_; }

  void AddTo(v1::SearchIncidentsResponse* response) const {
    for (size_t f = 0; f < kFacetCount; ++f) {
      if (counts_[f].empty()) continue;
      std::vector<std::pair<std::string, int64_t>> values(counts_[f].begin(),
                                                          counts_[f].end());
      std::stable_sort(values.begin(), values.end(),
                       [](const auto& a, const auto& b) {
                         return a.second > b.second;  // ties stay by value
                       });
      if (values.size() > kFacetValues) values.resize(kFacetValues);
      v1::SearchFacet* facet = response->add_facets();
      facet->set_field(kFacets[f].field);
      for (const auto& [value, count] : values) {
        v1::SearchFacet::Value* out = facet->add_values();
        out->set_value(value);
        out->set_count(count);
      }
    }
  }

 private:
  Xapian::doccount examined_ = 0;
  std::map<std::string, int64_t> counts_[kFacetCount];
};

// --- Snippets ---------------------------------------------------------------

constexpr size_t kSnippetBytes = 200;
constexpr size_t kMaxSnippets = 3;
// Highlight markers: control characters, removed from the texts first.
constexpr char kHighlightStart[] = "\x01";
constexpr char kHighlightEnd[] = "\x02";

// Xapian's snippet escapes &, < and > as XML does; the markers become
// byte ranges of the plain text.
v1::SearchSnippet ToSnippet(absl::string_view field, absl::string_view marked) {
  v1::SearchSnippet snippet;
  snippet.set_field(std::string(field));
  std::string text;
  int start = -1;
  for (size_t i = 0; i < marked.size();) {
    const char c = marked[i];
    if (c == kHighlightStart[0]) {
      start = static_cast<int>(text.size());
      ++i;
    } else if (c == kHighlightEnd[0]) {
      if (start >= 0 && static_cast<int>(text.size()) > start) {
        v1::SearchSnippet::Highlight* h = snippet.add_highlights();
        h->set_start(start);
        h->set_end(static_cast<int>(text.size()));
      }
      start = -1;
      ++i;
    } else if (c == '&') {
      absl::string_view rest = marked.substr(i);
      if (absl::StartsWith(rest, "&amp;")) {
        text.push_back('&');
        i += 5;
      } else if (absl::StartsWith(rest, "&lt;")) {
        text.push_back('<');
        i += 4;
      } else if (absl::StartsWith(rest, "&gt;")) {
        text.push_back('>');
        i += 4;
      } else {
        text.push_back('&');
        ++i;
      }
    } else {
      text.push_back(c);
      ++i;
    }
  }
  snippet.set_text(std::move(text));
  return snippet;
}

// Up to kMaxSnippets snippets, from the fields (in index order) with a
// word of the query, matched unstemmed or by its stem in one of the
// indexed languages.
void AddSnippets(const Xapian::MSet& mset, const Xapian::Document& document,
                 v1::SearchResult* result) {
  const std::vector<Xapian::Stem>& stemmers = ThreadStemmers();
  for (auto& [field, text] : DocumentFields(document)) {
    if (result->snippets_size() >= static_cast<int>(kMaxSnippets)) break;
    std::replace(text.begin(), text.end(), kHighlightStart[0], ' ');
    std::replace(text.begin(), text.end(), kHighlightEnd[0], ' ');
    for (const Xapian::Stem& stemmer : stemmers) {
      const std::string marked =
          mset.snippet(text, kSnippetBytes, stemmer,
                       Xapian::MSet::SNIPPET_EXHAUSTIVE |
                           Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH,
                       kHighlightStart, kHighlightEnd, "…");
      if (!marked.empty()) {
        *result->add_snippets() = ToSnippet(field, marked);
        break;
      }
    }
  }
}

// --- The index database of one search
// -----------------------------------------

// Returns the database to the pool when the search is done.
class PooledDatabase {
 public:
  PooledDatabase(SearchIndex& index, Tier tier,
                 std::unique_ptr<Xapian::Database> db)
      : index_(index), tier_(tier), db_(std::move(db)) {}
  ~PooledDatabase() {
    if (db_ != nullptr) index_.Release(tier_, std::move(db_));
  }
  PooledDatabase(const PooledDatabase&) = delete;
  PooledDatabase& operator=(const PooledDatabase&) = delete;
  Xapian::Database& operator*() { return *db_; }
  // After an error the database may be unusable: not pooled.
  void Discard() { db_.reset(); }

 private:
  SearchIndex& index_;
  const Tier tier_;
  std::unique_ptr<Xapian::Database> db_;
};

// A validated request, ready to run against one database revision.
struct PreparedSearch {
  const v1::SearchIncidentsRequest* request;
  IncidentFilter filter;
  SearchOrder order;
  Tier tier;
  int page_size;
};

// Runs `search` on `db`; Xapian errors are thrown (Search handles them).
absl::StatusOr<v1::SearchIncidentsResponse> RunSearch(
    const PreparedSearch& search, Xapian::Database& db,
    const IncidentStore& store) {
  const v1::SearchIncidentsRequest& request = *search.request;
  const bool members = search.tier == Tier::kMembers;
  const std::string fingerprint = api::QueryFingerprint(
      {"search", request.query(), request.filter(), search.order.canonical,
       members ? "members" : "public", db.get_metadata("index_generation")});
  int offset = 0;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::string cursor,
                     api::DecodePageToken(request.page_token(), fingerprint));
    if (!absl::SimpleAtoi(cursor, &offset) || offset < 0 ||
        offset > kMaxSearchOffset) {
      return absl::InvalidArgumentError("page_token: malformed");
    }
  }
  const int count = std::min(search.page_size, kMaxSearchOffset - offset);

  ASSIGN_OR_RETURN(Xapian::Query query, ParseSearchQuery(request.query(), db));
  const Xapian::Query filter_query = FilterQuery(search.filter);
  if (filter_query.get_type() != Xapian::Query::LEAF_MATCH_ALL) {
    query = Xapian::Query(Xapian::Query::OP_FILTER, query, filter_query);
  }
  Xapian::Enquire enquire(db);
  enquire.set_query(query);
  if (!search.order.by_relevance) {
    enquire.set_sort_by_value_then_relevance(search.order.slot,
                                             search.order.descending);
  }
  FacetSpy facets;
  enquire.add_matchspy(&facets);
  const Xapian::doccount check_at_least = std::max<Xapian::doccount>(
      kFacetCheckAtLeast, static_cast<Xapian::doccount>(offset + count));
  const Xapian::MSet mset = enquire.get_mset(offset, count, check_at_least);

  v1::SearchIncidentsResponse response;
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    const Xapian::Document document = it.get_document();
    const std::string id = DocumentIncidentId(document);
    absl::StatusOr<std::string> wire = store.GetIncidentWire(id, members);
    // Deleted since the index last committed: left out of the page.
    if (absl::IsNotFound(wire.status())) continue;
    if (!wire.ok()) {
      return storage::StorageError(wire.status(), "SearchIncidents");
    }
    v1::SearchResult* result = response.add_results();
    if (!result->mutable_incident()->ParseFromString(*wire)) {
      return absl::InternalError(
          absl::StrCat("SearchIncidents: incident ", id, " does not parse"));
    }
    result->set_score(it.get_weight());
    AddSnippets(mset, document, result);
  }
  const int next = offset + static_cast<int>(mset.size());
  if (mset.size() == static_cast<Xapian::doccount>(count) &&
      next < kMaxSearchOffset &&
      static_cast<Xapian::doccount>(next) < mset.get_matches_upper_bound()) {
    response.set_next_page_token(
        api::EncodePageToken(fingerprint, absl::StrCat(next)));
  }
  response.set_total_size(mset.get_matches_estimated());
  response.set_facets_exact(mset.get_matches_lower_bound() ==
                                mset.get_matches_upper_bound() &&
                            facets.examined() == mset.get_matches_estimated());
  facets.AddTo(&response);
  return response;
}

}  // namespace

absl::StatusOr<v1::SearchIncidentsResponse> IncidentSearch::Search(
    const auth::Caller& caller, const v1::SearchIncidentsRequest& request) {
  // Everything the request says is checked before the index is read.
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must not be negative, got ", request.page_size()));
  }
  PreparedSearch search;
  search.request = &request;
  search.page_size = request.page_size() == 0
                         ? kDefaultSearchPageSize
                         : std::min(request.page_size(), kMaxSearchPageSize);
  RETURN_IF_ERROR(CheckQueryText(request.query()));
  ASSIGN_OR_RETURN(search.filter, ParseIncidentFilter(request.filter()));
  RETURN_IF_ERROR(CheckFilterAccess(search.filter, caller.IsMember()));
  ASSIGN_OR_RETURN(search.order, ParseSearchOrder(request.order_by()));
  search.tier = caller.IsMember() ? Tier::kMembers : Tier::kPublic;
  if (!indexer_.ready()) {
    return status::WithRetryDelay(
        absl::UnavailableError(
            "search: the search index is being built; retry later"),
        absl::Seconds(5));
  }

  ASSIGN_OR_RETURN(std::unique_ptr<Xapian::Database> opened,
                   index_.Acquire(search.tier));
  PooledDatabase db(index_, search.tier, std::move(opened));
  // A reader whose revision the writer has since overwritten (two commits
  // during the search) reopens at the newest one and searches again.
  constexpr int kAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    try {
      return RunSearch(search, *db, store_);
    } catch (const Xapian::DatabaseModifiedError& e) {
      if (attempt == kAttempts) {
        db.Discard();
        return status::WithRetryDelay(
            absl::UnavailableError(absl::StrCat(
                "search: the index kept changing during the search: ",
                e.get_msg())),
            absl::Milliseconds(100));
      }
      try {
        (*db).reopen();
      } catch (const Xapian::Error& reopen) {
        db.Discard();
        return absl::InternalError(
            absl::StrCat("search: reopen: ", reopen.get_msg()));
      }
    } catch (const Xapian::Error& e) {
      db.Discard();
      return absl::InternalError(
          absl::StrCat("search: ", e.get_type(), ": ", e.get_msg()));
    }
  }
}

}  // namespace atlas::incident::search
