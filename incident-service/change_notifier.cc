#include "incident-service/change_notifier.h"

namespace atlas::incident {

bool ChangeNotifier::Subscribe(ChangeSubscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return false;
  subscribers_.insert(subscriber);
  return true;
}

void ChangeNotifier::Unsubscribe(ChangeSubscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(subscriber);
}

void ChangeNotifier::Notify(const v1::IncidentChange& change) {
  absl::MutexLock lock(&mu_);
  for (ChangeSubscriber* s : subscribers_) s->OnChangeCommitted(change);
}

void ChangeNotifier::Shutdown() {
  absl::MutexLock lock(&mu_);
  shut_down_ = true;
  for (ChangeSubscriber* s : subscribers_) s->OnShutdown();
}

size_t ChangeNotifier::subscriber_count() {
  absl::MutexLock lock(&mu_);
  return subscribers_.size();
}

}  // namespace atlas::incident
