#include "incident-service/incident_order_index.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/api/types/partial_date.h"

namespace atlas::incident {
namespace {

const absl::string_view kSep("\0", 1);

constexpr IncidentOrderField kIndexed[] = {IncidentOrderField::kStartDate,
                                           IncidentOrderField::kDisclosedDate,
                                           IncidentOrderField::kUpdateTime};

std::string Prefix(IncidentOrderField field) {
  return absl::StrCat("order", kSep, OrderFieldName(field), kSep);
}

std::string DayDigits(absl::CivilDay d) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d%02d%02d", static_cast<int>(d.year()),
                d.month(), d.day());
  return buf;
}

absl::string_view IdOf(const v1::Incident& incident) {
  absl::string_view name = incident.name();
  absl::ConsumePrefix(&name, "incidents/");
  return name;
}

std::string DateKey(const atlas::type::v1::PartialDate& date,
                    absl::string_view id) {
  if (api::IsEmpty(date)) return absl::StrCat("1", id);
  api::DayInterval in = api::Interval(date);
  return absl::StrCat("0", DayDigits(in.first), DayDigits(in.last), id);
}

// Narrows the range [lower, upper) of one segment of a walk to what lies
// strictly after `cursor_key` in the walk's direction. False when nothing
// is left.
bool AfterCursor(absl::string_view cursor_key, bool descending,
                 std::string* lower, std::string* upper) {
  if (!cursor_key.empty()) {
    if (descending) {
      if (cursor_key < *upper) *upper = std::string(cursor_key);
    } else {
      // The smallest key greater than the cursor's.
      std::string after = absl::StrCat(cursor_key, kSep);
      if (*lower < after) *lower = std::move(after);
    }
  }
  return *lower < *upper;
}

}  // namespace

std::string IncidentOrderIndex::SortKey(IncidentOrderField field,
                                        const v1::Incident& incident) {
  switch (field) {
    case IncidentOrderField::kStartDate:
      return DateKey(incident.start_date(), IdOf(incident));
    case IncidentOrderField::kDisclosedDate:
      return DateKey(incident.disclosed_date(), IdOf(incident));
    case IncidentOrderField::kUpdateTime: {
      if (!incident.has_update_time()) return absl::StrCat("1", IdOf(incident));
      const int64_t micros = incident.update_time().seconds() * 1000000 +
                             incident.update_time().nanos() / 1000;
      char buf[17];
      std::snprintf(buf, sizeof(buf), "%016llx",
                    static_cast<unsigned long long>(micros));
      return absl::StrCat("0", buf, IdOf(incident));
    }
    case IncidentOrderField::kCreateTime:
      break;
  }
  return "";
}

void IncidentOrderIndex::Put(int family, const v1::Incident& now,
                             const v1::Incident* before,
                             storage::WriteBatch* batch) {
  const absl::string_view id = IdOf(now);
  for (IncidentOrderField field : kIndexed) {
    const std::string key = absl::StrCat(Prefix(field), SortKey(field, now));
    if (before != nullptr) {
      std::string old = absl::StrCat(Prefix(field), SortKey(field, *before));
      if (old == key) continue;  // unchanged: nothing to write
      batch->Delete(family, old);
    }
    batch->Put(family, key, id);
  }
}

void IncidentOrderIndex::Delete(int family, const v1::Incident& incident,
                                storage::WriteBatch* batch) {
  for (IncidentOrderField field : kIndexed) {
    batch->Delete(family,
                  absl::StrCat(Prefix(field), SortKey(field, incident)));
  }
}

absl::Status IncidentOrderIndex::Scan(const storage::RocksStore& db, int family,
                                      const IncidentOrder& order,
                                      absl::string_view cursor,
                                      const Bounds& bounds, Visitor visit) {
  const std::string prefix = Prefix(order.field);
  const std::string cursor_key =
      cursor.empty() ? std::string() : absl::StrCat(prefix, cursor);
  // The key ranges of the walk, each read in the walk's direction.
  struct Segment {
    std::string lower, upper;
    bool undated = false;
  };
  std::vector<Segment> segments;
  if (!bounds.first_days.has_value()) {
    segments.push_back({absl::StrCat(prefix, "0"), absl::StrCat(prefix, "1")});
  } else {
    for (const DayRange& r : *bounds.first_days) {
      Segment seg{absl::StrCat(prefix, "0"), absl::StrCat(prefix, "1")};
      if (r.from) seg.lower = absl::StrCat(prefix, "0", DayDigits(*r.from));
      if (r.to) seg.upper = absl::StrCat(prefix, "0", DayDigits(*r.to + 1));
      segments.push_back(std::move(seg));
    }
  }
  // Descending: the dated segments backward, then the undated one, so the
  // walk is not in key order there: a cursor among the dated entries
  // leaves the undated segment whole, one among the undated entries
  // leaves no dated segment.
  if (order.descending) std::reverse(segments.begin(), segments.end());
  if (bounds.undated) {
    segments.push_back(
        {absl::StrCat(prefix, "1"), storage::PrefixSuccessor(prefix), true});
  }
  const bool cursor_undated =
      !cursor_key.empty() && cursor_key[prefix.size()] == '1';
  bool stopped = false;
  for (Segment& seg : segments) {
    if (stopped) break;
    absl::string_view after = cursor_key;
    if (order.descending && cursor_undated != seg.undated) {
      if (cursor_undated) continue;  // dated: walked before the cursor
      after = "";                    // undated: all after a dated cursor
    }
    if (!AfterCursor(after, order.descending, &seg.lower, &seg.upper)) {
      continue;
    }
    absl::Status status =
        db.Scan(family, seg.lower, seg.upper,
                order.descending ? storage::ScanDirection::kReverse
                                 : storage::ScanDirection::kForward,
                [&](absl::string_view key, absl::string_view id) {
                  if (!visit(key.substr(prefix.size()), id)) stopped = true;
                  return !stopped;
                });
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status IncidentOrderIndex::Backfill(storage::RocksStore& db, int records,
                                          int family,
                                          storage::WriteBatch* last) {
  constexpr size_t kBatchPuts = 4096;
  storage::WriteBatch& batch = *last;  // what is left commits with it
  absl::Status inner;
  absl::Status s = db.ScanPrefix(
      records, "", storage::ScanDirection::kForward,
      [&](absl::string_view, absl::string_view value) {
        v1::Incident incident;
        if (value.size() < 8 ||
            !incident.ParseFromArray(value.data() + 8,
                                     static_cast<int>(value.size() - 8))) {
          inner = absl::DataLossError("stored incident does not parse");
          return false;
        }
        Put(family, incident, nullptr, &batch);
        if (batch.size() >= kBatchPuts) {
          inner = db.Write(batch);
          batch = storage::WriteBatch();
        }
        return inner.ok();
      },
      storage::ReadView::kLatest);
  if (!s.ok()) return s;
  return inner;
}

}  // namespace atlas::incident
