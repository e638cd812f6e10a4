#include "incident-service/search/search_document.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/api/types/partial_date.h"
#include "common/auth/redaction.h"
#include "incident-service/incident_index.h"

namespace atlas::incident::search {
namespace {

// Data: a sequence of <field>\0<byte length>\0<text>; the first field is
// "id".
void AppendField(std::string* data, absl::string_view field,
                 absl::string_view text) {
  absl::StrAppend(data, field, absl::string_view("\0", 1), text.size(),
                  absl::string_view("\0", 1), text);
}

// Parses the data back; stops at the first malformed entry.
std::vector<std::pair<std::string, std::string>> ParseData(
    absl::string_view data) {
  std::vector<std::pair<std::string, std::string>> fields;
  while (!data.empty()) {
    size_t a = data.find('\0');
    if (a == absl::string_view::npos) break;
    size_t b = data.find('\0', a + 1);
    if (b == absl::string_view::npos) break;
    size_t length = 0;
    if (!absl::SimpleAtoi(data.substr(a + 1, b - a - 1), &length) ||
        length > data.size() - b - 1) {
      break;
    }
    fields.emplace_back(std::string(data.substr(0, a)),
                        std::string(data.substr(b + 1, length)));
    data.remove_prefix(b + 1 + length);
  }
  return fields;
}

// The leading upper-case prefix of a term.
size_t PrefixLength(absl::string_view term) {
  size_t n = 0;
  while (n < term.size() && absl::ascii_isupper(term[n])) ++n;
  return n;
}

// Adds Z<prefix><stem> for every free-text term (no prefix, or S / XV) in
// each of kStemLanguages, with the wdf of the word.
void AddStems(Xapian::Document* document) {
  const std::vector<Xapian::Stem>& stemmers = ThreadStemmers();
  std::vector<std::pair<std::string, Xapian::termcount>> stems;
  for (auto it = document->termlist_begin(); it != document->termlist_end();
       ++it) {
    const std::string term = *it;
    size_t p = PrefixLength(term);
    absl::string_view prefix = absl::string_view(term).substr(0, p);
    if (prefix != "" && prefix != kTitlePrefix && prefix != kVictimPrefix) {
      continue;
    }
    const std::string word = term.substr(p);
    if (word.empty()) continue;
    std::set<std::string> distinct;
    for (size_t i = 0; i < std::size(kStemLanguages); ++i) {
      distinct.insert(stemmers[i](word));
    }
    for (const std::string& stem : distinct) {
      stems.emplace_back(absl::StrCat("Z", prefix, stem), it.get_wdf());
    }
  }
  for (const auto& [term, wdf] : stems) document->add_term(term, wdf);
}

template <typename Enum>
std::string EnumName(const google::protobuf::EnumDescriptor* d, Enum value) {
  const auto* v = d->FindValueByNumber(static_cast<int>(value));
  return v == nullptr ? absl::StrCat(static_cast<int>(value)) : v->name();
}

// The first and last day of `date` in two slots; nothing when it is empty.
void AddInterval(Xapian::Document* document, const type::v1::PartialDate& date,
                 Slot first, Slot last) {
  if (api::IsEmpty(date)) return;
  api::DayInterval in = api::Interval(date);
  document->add_value(first, SortableDay(in.first));
  document->add_value(last, SortableDay(in.last));
}

// Sort keys of `date` (ListIncidents' order, incident_order.h): by first
// day, then last day; without the date, last in both directions (the
// descending key is absent, and "" sorts last in descending order).
void AddSortKeys(Xapian::Document* document, const type::v1::PartialDate& date,
                 Slot ascending, Slot descending) {
  if (api::IsEmpty(date)) {
    document->add_value(ascending, "\xff");
    return;
  }
  api::DayInterval in = api::Interval(date);
  const std::string key =
      absl::StrCat(SortableDay(in.first), SortableDay(in.last));
  document->add_value(ascending, key);
  document->add_value(descending, key);
}

}  // namespace

const std::vector<Xapian::Stem>& ThreadStemmers() {
  thread_local const std::vector<Xapian::Stem> stemmers = [] {
    std::vector<Xapian::Stem> made;
    for (const char* language : kStemLanguages) made.emplace_back(language);
    return made;
  }();
  return stemmers;
}

std::string SortableDay(absl::CivilDay day) {
  return Xapian::sortable_serialise(
      static_cast<double>(day - absl::CivilDay(1970, 1, 1)));
}

IncidentText PublicView(IncidentText text) {
  auth::RedactForPublic(&text.incident);
  for (v1::TimelineEvent& e : text.events) auth::RedactForPublic(&e);
  for (v1::Source& s : text.sources) auth::RedactForPublic(&s);
  return text;
}

Xapian::Document BuildSearchDocument(const IncidentText& text) {
  const v1::Incident& i = text.incident;
  const std::string id(
      absl::StripPrefix(absl::string_view(i.name()), "incidents/"));
  Xapian::Document document;
  Xapian::TermGenerator terms;
  terms.set_document(document);
  std::string data;
  AppendField(&data, "id", id);

  // Free text: each field indexed and kept for snippets.
  auto text_field = [&](absl::string_view field, absl::string_view value,
                        absl::string_view prefix = "") {
    if (value.empty()) return;
    terms.index_text(std::string(value));
    if (!prefix.empty())
      terms.index_text(std::string(value), 1, std::string(prefix));
    terms.increase_termpos();
    AppendField(&data, field, value);
  };
  text_field("title", i.title(), kTitlePrefix);
  text_field("summary", i.summary());
  text_field("description", i.description());
  std::vector<std::string> impacts;
  for (const v1::Impact& m : i.impacts()) {
    if (!m.description().empty()) impacts.push_back(m.description());
  }
  text_field("impacts", absl::StrJoin(impacts, "\n"));
  std::vector<std::string> events;
  for (const v1::TimelineEvent& e : text.events) {
    events.push_back(e.description());
  }
  text_field("events", absl::StrJoin(events, "\n"));
  std::vector<std::string> actors;
  for (const v1::ThreatActor& a : i.threat_actors()) {
    if (!a.name().empty()) actors.push_back(a.name());
  }
  text_field("threat_actors", absl::StrJoin(actors, "\n"));
  std::vector<std::string> sources;
  for (const v1::Source& s : text.sources) {
    for (const std::string* part : {&s.title(), &s.publisher(), &s.excerpt()}) {
      if (!part->empty()) sources.push_back(*part);
    }
  }
  text_field("sources", absl::StrJoin(sources, "\n"));

  // Victims: organisation ids ("vooruit-brussels"), words split on '-'.
  std::vector<std::string> victims;
  for (const v1::Victim& v : i.victims()) {
    absl::string_view org = v.organization();
    absl::ConsumePrefix(&org, "organizations/");
    victims.emplace_back(absl::StrReplaceAll(org, {{"-", " "}}));
  }
  if (!victims.empty()) {
    const std::string joined = absl::StrJoin(victims, "\n");
    terms.index_text(joined);
    terms.index_text(joined, 1, std::string(kVictimPrefix));
    terms.increase_termpos();
    AppendField(&data, "victims", joined);
  }
  for (const std::string& c : i.countries()) {
    document.add_boolean_term(absl::StrCat(kCountryPrefix, c));
  }
  for (const auto& [index, value] : ListIndexValues(i)) {
    document.add_boolean_term(
        absl::StrCat(kFilterPrefix, IndexName(index), ":", value));
  }
  document.add_boolean_term(absl::StrCat(kIdPrefix, id));
  AddStems(&document);

  // Dates and facets.
  AddInterval(&document, i.start_date(), kStartFirstDay, kStartLastDay);
  AddInterval(&document, i.end_date(), kEndFirstDay, kEndLastDay);
  AddInterval(&document, i.disclosed_date(), kDisclosedFirstDay,
              kDisclosedLastDay);
  AddSortKeys(&document, i.start_date(), kStartAscending, kStartDescending);
  AddSortKeys(&document, i.disclosed_date(), kDisclosedAscending,
              kDisclosedDescending);
  if (!api::IsEmpty(i.start_date())) {
    document.add_value(kFacetStartYear, absl::StrCat(i.start_date().year()));
  }
  document.add_value(kFacetCountries, absl::StrJoin(i.countries(), ","));
  std::vector<std::string> types;
  for (int t : i.incident_types()) {
    types.push_back(EnumName(v1::IncidentType_descriptor(), t));
  }
  document.add_value(kFacetTypes, absl::StrJoin(types, ","));
  if (i.determination() != v1::DETERMINATION_UNSPECIFIED) {
    document.add_value(
        kFacetDetermination,
        EnumName(v1::Determination_descriptor(), i.determination()));
  }
  document.set_data(data);
  return document;
}

std::string DocumentIncidentId(const Xapian::Document& document) {
  auto fields = ParseData(document.get_data());
  return fields.empty() || fields[0].first != "id" ? "" : fields[0].second;
}

std::vector<std::pair<std::string, std::string>> DocumentFields(
    const Xapian::Document& document) {
  auto fields = ParseData(document.get_data());
  if (!fields.empty() && fields[0].first == "id") fields.erase(fields.begin());
  return fields;
}

}  // namespace atlas::incident::search
