// DeletionFence: the organisations whose delete is being decided. While an
// organisation is fenced, BatchGetOrganizations (incident-service's victim
// check) reports it missing, so no new incident can name it while the
// catalog asks incident-service whether any does (see
// CatalogCore::DeleteOrganization). In memory only: a catalog that stops
// mid-delete has deleted nothing, and the fence goes with the process.
//
// Thread safety: all methods may be called concurrently.
#ifndef ATLAS_CATALOG_SERVICE_DELETION_FENCE_H_
#define ATLAS_CATALOG_SERVICE_DELETION_FENCE_H_

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace atlas::catalog {

class DeletionFence {
 public:
  // Fences `id` for the lifetime of the Entry; `ok()` is false (and
  // nothing is fenced by it) when another delete of `id` holds the fence.
  class Entry {
   public:
    Entry(DeletionFence& fence, std::string id) : fence_(fence) {
      absl::MutexLock lock(&fence_.mu_);
      if (fence_.ids_.insert(id).second) id_ = std::move(id);
    }
    ~Entry() {
      if (id_.empty()) return;
      absl::MutexLock lock(&fence_.mu_);
      fence_.ids_.erase(id_);
    }
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    bool ok() const { return !id_.empty(); }

   private:
    DeletionFence& fence_;
    std::string id_;  // empty when not held
  };

  bool Contains(absl::string_view id) const {
    absl::MutexLock lock(&mu_);
    return ids_.contains(id);
  }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace atlas::catalog

#endif  // ATLAS_CATALOG_SERVICE_DELETION_FENCE_H_
