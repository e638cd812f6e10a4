#include "incident-service/timeline_references.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/api/aip/page_token.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
#include "common/api/types/partial_date.h"
#include "common/api/types/relative_date.h"
#include "common/status/status_macros.h"
#include "common/storage/storage_error.h"
#include "incident-service/incident_records.h"

namespace atlas::incident {
namespace {

using atlas::type::v1::PartialDate;
using atlas::type::v1::RelativeDate;
using v1::Source;
using v1::TimelineEvent;

bool IsDayPrecision(const PartialDate& d) {
  return !api::IsEmpty(d) && d.month() != 0 && d.day() != 0;
}

PartialDate DayToPartial(absl::CivilDay day) {
  PartialDate d;
  d.set_year(static_cast<int32_t>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

}  // namespace

void Resolve(TimelineEvent* event,
             const std::map<std::string, const Source*>& sources) {
  if (event->has_date()) {
    *event->mutable_effective_date() = event->date();
    return;
  }
  event->clear_effective_date();
  if (!event->has_relative_date()) return;
  RelativeDate* rel = event->mutable_relative_date();
  rel->clear_resolved();
  rel->set_state(RelativeDate::UNRESOLVED);
  auto it = sources.find(rel->anchor_source());
  if (it == sources.end() || !IsDayPrecision(it->second->published_date())) {
    return;
  }
  auto expr = api::ParseRelativeExpression(rel->expression(), "expression");
  if (!expr.ok()) return;  // validated on write; never guess
  const PartialDate& p = it->second->published_date();
  absl::CivilDay day =
      api::ResolveRelative(*expr, absl::CivilDay(p.year(), p.month(), p.day()));
  // A day before the first a PartialDate holds (1970-01-01: "365 weeks
  // ago" from a source of early 1970) cannot be stored as a date: the
  // event stays unresolved rather than hold an invalid one.
  if (day < absl::CivilDay(1970, 1, 1)) return;
  rel->set_state(RelativeDate::RESOLVED);
  *rel->mutable_resolved() = DayToPartial(day);
  *event->mutable_effective_date() = rel->resolved();
}

absl::Status CheckEventReferences(
    const TimelineEvent& e, const std::map<std::string, const Source*>& sources,
    const std::string& f) {
  if (e.has_relative_date() &&
      sources.count(e.relative_date().anchor_source()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        f, ".relative_date.anchor_source: ", e.relative_date().anchor_source(),
        " does not exist"));
  }
  for (int i = 0; i < e.sources_size(); ++i) {
    if (sources.count(e.sources(i)) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          f, ".sources[", i, "]: ", e.sources(i), " does not exist"));
    }
  }
  return absl::OkStatus();
}

std::map<std::string, const Source*> SourceMap(
    const std::vector<StoredSource>& sources) {
  std::map<std::string, const Source*> out;
  for (const StoredSource& s : sources) out[s.record.name()] = &s.record;
  return out;
}

absl::StatusOr<ChildPage> PageOfChildren(const IncidentStore& store,
                                         absl::string_view kind,
                                         absl::string_view parent,
                                         int32_t page_size,
                                         absl::string_view page_token,
                                         ChildScan scan, absl::string_view op) {
  ChildPage page;
  ASSIGN_OR_RETURN(page.incident_id,
                   api::ParseName(parent, kIncidentCollection, "parent"));
  ASSIGN_OR_RETURN(int size, api::EffectivePageSize(page_size));
  const std::string fingerprint =
      api::QueryFingerprint({std::string(kind), page.incident_id});
  std::string cursor;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(cursor, api::DecodePageToken(page_token, fingerprint));
  }
  RETURN_IF_ERROR(LoadIncident(store, page.incident_id, op).status());
  std::string last_cursor;
  bool more = false;
  absl::Status s = scan(page.incident_id, cursor,
                        [&](absl::string_view key, absl::string_view id) {
                          if (page.ids.size() == static_cast<size_t>(size)) {
                            more = true;
                            return false;
                          }
                          page.ids.emplace_back(id);
                          last_cursor = std::string(key);
                          return true;
                        });
  if (!s.ok()) return storage::StorageError(s, op);
  if (more)
    page.next_page_token = api::EncodePageToken(fingerprint, last_cursor);
  return page;
}

}  // namespace atlas::incident
