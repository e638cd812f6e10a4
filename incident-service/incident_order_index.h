// IncidentOrderIndex: the order indexes that serve ListIncidents' order_by
// (incident_order.h), as keys of IncidentStore's `indexes` family:
//
//   order\0start_date\0<sort key>       -> incident id
//   order\0disclosed_date\0<sort key>   -> incident id
//   order\0update_time\0<sort key>      -> incident id
//
//   date sort key    = '0' YYYYMMDD(first day) YYYYMMDD(last day) <id>
//                      for an incident with that date (the interval the
//                      partial date covers), or
//                    = '1' <id> for an incident without it.
//   update_time key  = '0' <microseconds since the epoch, hex16> <id>
//                      ('1' <id> if unset, which a stored incident never is).
//
// Every incident has exactly one entry in each index, so a key range read
// forward is the ascending order and read backward the descending one (see
// Scan for where incidents without the date go). Ids hold no '\0' and the
// date part has a fixed width, so the keys sort by date, then id. create
// time needs no index here: the list\0 index (incident_store.h) is it.
//
// Writers: IncidentStore::PutIncident / DeleteIncident call Put / Delete
// with the same batch as the record, so the entries commit with it. A
// database written before these indexes (layouts 1 and 2) gets them from
// Backfill, the store's layout step 2 -> 3.
//
// Thread safety: stateless; the functions are safe to call concurrently.
#ifndef ATLAS_INCIDENT_SERVICE_INCIDENT_ORDER_INDEX_H_
#define ATLAS_INCIDENT_SERVICE_INCIDENT_ORDER_INDEX_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "atlas/incident/v1/incident.pb.h"
#include "common/storage/rocks_store.h"
#include "incident-service/incident_order.h"

namespace atlas::incident {

class IncidentOrderIndex {
 public:
  // The part of a walk to read, from a date filter on the field ordered by
  // (a date outside it cannot match): when `first_days` is set, only the
  // dated entries whose interval begins in one of its ranges (each
  // [from, to], either end unset: unbounded; ascending and disjoint); the
  // undated entries only when `undated`.
  struct DayRange {
    std::optional<absl::CivilDay> from;
    std::optional<absl::CivilDay> to;
  };
  struct Bounds {
    std::optional<std::vector<DayRange>> first_days;
    bool undated = true;
  };
  // visit(sort key, incident id); false stops the scan.
  using Visitor =
      absl::FunctionRef<bool(absl::string_view key, absl::string_view id)>;

  // `incident`'s sort key in `field`'s index (not kCreateTime).
  static std::string SortKey(IncidentOrderField field,
                             const v1::Incident& incident);

  // Adds `now`'s entries to `batch` in `family`, and deletes those of
  // `before` (may be null) that differ.
  static void Put(int family, const v1::Incident& now,
                  const v1::Incident* before, storage::WriteBatch* batch);
  static void Delete(int family, const v1::Incident& incident,
                     storage::WriteBatch* batch);

  // Visits the entries of `order.field` (not kCreateTime) in `order`,
  // strictly after the sort key `cursor` (empty: from the start) and
  // within `bounds`: ascending, the dated entries forward then the
  // undated ones forward; descending, the dated ones backward then the
  // undated ones backward (so undated incidents come last both ways).
  // Reads the durable view; returns the store's errors.
  static absl::Status Scan(const storage::RocksStore& db, int family,
                           const IncidentOrder& order, absl::string_view cursor,
                           const Bounds& bounds, Visitor visit);

  // Puts the entries of every incident in `records` (values: an 8-byte
  // ordinal then the Incident) into `family`, in batches of a few thousand;
  // safe to run again (entries are overwritten with the same value). The
  // last puts go into `last`, for the caller to write with its marker.
  // DATA_LOSS if a record does not parse; the store's errors.
  static absl::Status Backfill(storage::RocksStore& db, int records, int family,
                               storage::WriteBatch* last);
};

}  // namespace atlas::incident

#endif  // ATLAS_INCIDENT_SERVICE_INCIDENT_ORDER_INDEX_H_
