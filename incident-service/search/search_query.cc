#include "incident-service/search/search_query.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "incident-service/incident_index.h"
#include "incident-service/search/search_document.h"

namespace atlas::incident::search {
namespace {

// country:be -> XCBE, exactly (a boolean filter that does not weigh).
class CountryProcessor : public Xapian::FieldProcessor {
 public:
  Xapian::Query operator()(const std::string& value) override {
    return Xapian::Query(
        absl::StrCat(kCountryPrefix, absl::AsciiStrToUpper(value)));
  }
};

constexpr unsigned kParseFlags =
    Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
    Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_WILDCARD |
    Xapian::QueryParser::FLAG_PURE_NOT;

// Overlap of a date's interval (its first and last day in two slots) with
// the range: it ends on or after min and begins on or before max.
void AddDateRange(const IncidentFilter::DateRange& range, Slot first, Slot last,
                  std::vector<Xapian::Query>* parts) {
  if (range.min.has_value()) {
    parts->emplace_back(Xapian::Query::OP_VALUE_GE, last,
                        SortableDay(*range.min));
  }
  if (range.max.has_value()) {
    parts->emplace_back(Xapian::Query::OP_VALUE_LE, first,
                        SortableDay(*range.max));
  }
}

}  // namespace

absl::Status CheckQueryText(absl::string_view query) {
  if (absl::StripAsciiWhitespace(query).empty()) {
    return absl::InvalidArgumentError("query: required");
  }
  if (query.size() > kMaxQueryBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "query: at most ", kMaxQueryBytes, " bytes, got ", query.size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Xapian::Query> ParseSearchQuery(
    absl::string_view query, const Xapian::Database& database) {
  if (absl::Status text = CheckQueryText(query); !text.ok()) return text;
  std::vector<Xapian::Query> parses;
  std::set<std::string> seen;
  try {
    for (const Xapian::Stem& stemmer : ThreadStemmers()) {
      Xapian::QueryParser parser;
      parser.set_database(database);
      parser.set_stemmer(stemmer);
      parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
      parser.set_default_op(Xapian::Query::OP_AND);
      parser.set_max_expansion(kMaxWildcardExpansion,
                               Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
      parser.add_prefix("title", std::string(kTitlePrefix));
      parser.add_prefix("victim", std::string(kVictimPrefix));
      parser.add_boolean_prefix("country", (new CountryProcessor)->release());
      Xapian::Query parsed =
          parser.parse_query(std::string(query), kParseFlags);
      if (seen.insert(parsed.get_description()).second) {
        parses.push_back(std::move(parsed));
      }
    }
  } catch (const Xapian::QueryParserError& e) {
    return absl::InvalidArgumentError(absl::StrCat("query: ", e.get_msg()));
  } catch (const Xapian::Error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("query: ", e.get_type(), ": ", e.get_msg()));
  }
  size_t terms = 0;
  for (auto it = parses[0].get_unique_terms_begin();
       it != parses[0].get_unique_terms_end(); ++it) {
    ++terms;
  }
  if (terms > kMaxQueryTerms) {
    return absl::InvalidArgumentError(absl::StrCat(
        "query: at most ", kMaxQueryTerms, " distinct terms, got ", terms));
  }
  if (parses[0].empty()) {
    return absl::InvalidArgumentError("query: holds no searchable word");
  }
  if (parses.size() == 1) return parses[0];
  return Xapian::Query(Xapian::Query::OP_MAX, parses.begin(), parses.end());
}

Xapian::Query FilterQuery(const IncidentFilter& filter) {
  std::vector<Xapian::Query> parts;
  for (const IncidentFilter::Equality& eq : filter.equalities) {
    parts.emplace_back(
        absl::StrCat(kFilterPrefix, IndexName(eq.index), ":", eq.value));
  }
  AddDateRange(filter.start, kStartFirstDay, kStartLastDay, &parts);
  AddDateRange(filter.end, kEndFirstDay, kEndLastDay, &parts);
  AddDateRange(filter.disclosed, kDisclosedFirstDay, kDisclosedLastDay, &parts);
  if (parts.empty()) return Xapian::Query::MatchAll;
  return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
}

}  // namespace atlas::incident::search
