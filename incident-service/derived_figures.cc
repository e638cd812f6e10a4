#include "incident-service/derived_figures.h"

#include <algorithm>
#include <map>

#include "absl/time/civil_time.h"
#include "common/api/types/partial_date.h"

namespace atlas::incident {

v1::DerivedFigures ComputeDerivedFigures(
    const std::vector<v1::TimelineEvent>& events) {
  // For each event type: the interval in which its earliest event falls,
  // [min of first days, min of last days]; unknown if any event of the
  // type is unresolved (the earliest cannot be told).
  struct Earliest {
    bool any = false;
    bool unresolved = false;
    absl::CivilDay lo, hi;
  };
  std::map<int, Earliest> by_type;
  for (const v1::TimelineEvent& e : events) {
    Earliest& x = by_type[e.type()];
    if (api::IsEmpty(e.effective_date())) {
      x.unresolved = true;
      continue;
    }
    api::DayInterval in = api::Interval(e.effective_date());
    if (!x.any) {
      x.lo = in.first;
      x.hi = in.last;
      x.any = true;
    } else {
      x.lo = std::min(x.lo, in.first);
      x.hi = std::min(x.hi, in.last);
    }
  }
  v1::DerivedFigures figures;
  auto known = [&](int type) -> const Earliest* {
    auto it = by_type.find(type);
    if (it == by_type.end() || it->second.unresolved || !it->second.any) {
      return nullptr;
    }
    return &it->second;
  };
  const Earliest* detection = known(v1::DETECTION);
  auto span = [&](int type, v1::DerivedFigures::DaySpan* out) -> bool {
    const Earliest* to = known(type);
    if (detection == nullptr || to == nullptr) return false;
    int64_t max_days = to->hi - detection->lo;
    int64_t min_days = to->lo - detection->hi;
    // Overlapping intervals: the report cannot precede the detection in
    // the same reading, so the fewest days is 0.
    if (max_days >= 0 && min_days < 0) min_days = 0;
    out->set_min_days(static_cast<int32_t>(min_days));
    out->set_max_days(static_cast<int32_t>(max_days));
    return true;
  };
  v1::DerivedFigures::DaySpan s;
  if (span(v1::REPORTED_TO_POLICE, &s)) {
    *figures.mutable_detection_to_police_report() = s;
  }
  bool authority = span(v1::REPORTED_TO_DATA_PROTECTION_AUTHORITY, &s);
  if (authority) *figures.mutable_detection_to_authority_report() = s;
  v1::DerivedFigures::DaySpan d;
  if (span(v1::PUBLIC_DISCLOSURE, &d)) {
    *figures.mutable_detection_to_public_disclosure() = d;
  }
  if (!authority) {
    figures.set_authority_notified_within_72_hours(v1::DerivedFigures::UNKNOWN);
  } else if (s.max_days() <= 2) {
    figures.set_authority_notified_within_72_hours(v1::DerivedFigures::YES);
  } else if (s.min_days() >= 4) {
    figures.set_authority_notified_within_72_hours(v1::DerivedFigures::NO);
  } else {
    figures.set_authority_notified_within_72_hours(v1::DerivedFigures::UNKNOWN);
  }
  return figures;
}

}  // namespace atlas::incident
