// SearchDocument: one incident as a Xapian document of one search index.
//
// Each incident-service instance keeps two indexes (search_index.h): the
// public one, built from the public views (auth::RedactForPublic of the
// incident, its events and its sources), and the members' one, built from
// the records as stored. What a caller without a MEMBER key can match,
// rank by (BM25's document lengths and term statistics included) or see
// in a snippet is therefore exactly what its Get calls return.
//
// Terms (prefixes are upper case, words lower case):
//   Q<id>                      the incident id (unique: replace by it)
//   <word>, S<word>            free text; S for the title (title:)
//   XV<word>                   victims: organisation ids split on '-' (victim:)
//   XC<CC>                     country (country:, boolean)
//   XF<index name>:<value>     every list-index value (incident_index.h),
//                              for the ListIncidents filter grammar
//   Z<prefix><stem>            the English, Dutch and French stems of every
//                              free-text word: a record's language is known
//                              only from its sources, which are members-only,
//                              so every record is stemmed in all three
// Values (slots): see Slot.
// Data: the texts snippets are cut from, by field (DocumentFields).
#ifndef ATLAS_INCIDENT_SERVICE_SEARCH_SEARCH_DOCUMENT_H_
#define ATLAS_INCIDENT_SERVICE_SEARCH_SEARCH_DOCUMENT_H_

#include <xapian.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "atlas/incident/v1/incident.pb.h"
#include "atlas/incident/v1/timeline.pb.h"

namespace atlas::incident::search {

inline constexpr absl::string_view kIdPrefix = "Q";
inline constexpr absl::string_view kTitlePrefix = "S";
inline constexpr absl::string_view kVictimPrefix = "XV";
inline constexpr absl::string_view kCountryPrefix = "XC";
inline constexpr absl::string_view kFilterPrefix = "XF";

// The languages every word is stemmed in (Xapian::Stem names).
inline constexpr const char* kStemLanguages[] = {"english", "dutch", "french"};

enum Slot : Xapian::valueno {
  // start_date's interval, first and last day, Xapian::sortable_serialise
  // of days since the civil epoch; absent without a start_date.
  kStartFirstDay = 0,
  kStartLastDay = 1,
  // Sort keys that put incidents without a start_date last: ascending
  // (absent sorts as "\xff") and descending (absent sorts as "").
  kStartAscending = 2,
  kStartDescending = 3,
  // Facets: comma-separated values as the filter grammar writes them.
  kFacetCountries = 4,
  kFacetTypes = 5,
  kFacetStartYear = 6,
  kFacetDetermination = 7,
  // end_date's and disclosed_date's intervals, as start's.
  kEndFirstDay = 8,
  kEndLastDay = 9,
  kDisclosedFirstDay = 10,
  kDisclosedLastDay = 11,
  // Sort keys of disclosed_date, as start's.
  kDisclosedAscending = 12,
  kDisclosedDescending = 13,
};

// A day as a value slot holds it: Xapian::sortable_serialise of the days
// since 1970-01-01, so that string order is date order.
std::string SortableDay(absl::CivilDay day);

// An incident with the records under it, in one tier's view.
struct IncidentText {
  v1::Incident incident;
  std::vector<v1::TimelineEvent> events;
  std::vector<v1::Source> sources;
};

// A Xapian::Stem of each of kStemLanguages, in that order, for the calling
// thread: a Stem keeps state while it stems, so one is never shared
// between threads (indexing, query parsing and snippets all use these).
const std::vector<Xapian::Stem>& ThreadStemmers();

// Redacts every record of `text` to what a caller without a MEMBER key
// sees (auth::RedactForPublic).
IncidentText PublicView(IncidentText text);

// The document of `text` (already in the index's view).
Xapian::Document BuildSearchDocument(const IncidentText& text);

// The incident id of a document built by BuildSearchDocument.
std::string DocumentIncidentId(const Xapian::Document& document);
// Its snippet texts: (field, text) in the order they were indexed.
std::vector<std::pair<std::string, std::string>> DocumentFields(
    const Xapian::Document& document);

}  // namespace atlas::incident::search

#endif  // ATLAS_INCIDENT_SERVICE_SEARCH_SEARCH_DOCUMENT_H_
