#include "incident-service/timeline_references.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/api/partial_date.h"
#include "common/api/relative_date.h"

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

}  // namespace atlas::incident
