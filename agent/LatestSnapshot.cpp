#include "LatestSnapshot.h"

namespace agent {

namespace {
// A bound whatever the timestamps say (a clock set back).
constexpr size_t kMaxKept = 16;
}  // namespace

void LatestSnapshot::publish(collectors::SnapshotPtr snapshot) {
  std::lock_guard lock(mutex_);
  if (!snapshot) return;
  // Forced in quick succession (scrapes with max_staleness), the one between two that are
  // less than a quarter window apart is never the best base: the newer replaces it, so those
  // kept stay spread over the window.
  size_t n = recent_.size();
  if (n >= 2 && snapshot->takenAtUnixMs - recent_[n - 2]->takenAtUnixMs < minRateWindowMs_ / 4)
    recent_.back() = std::move(snapshot);
  else
    recent_.push_back(std::move(snapshot));
  int64_t latestMs = recent_.back()->takenAtUnixMs;
  // The oldest is not needed once the next one is a whole window before the latest too.
  while (recent_.size() >= 3 && latestMs - recent_[1]->takenAtUnixMs >= minRateWindowMs_) recent_.pop_front();
  while (recent_.size() > kMaxKept) recent_.pop_front();
}

collectors::SnapshotPtr LatestSnapshot::latest() const {
  std::lock_guard lock(mutex_);
  return recent_.empty() ? nullptr : recent_.back();
}

LatestSnapshot::WithPrevious LatestSnapshot::withPrevious() const {
  std::lock_guard lock(mutex_);
  WithPrevious out;
  if (recent_.empty()) return out;
  out.latest = recent_.back();
  for (size_t i = recent_.size() - 1; i-- > 0;) {
    if (out.latest->takenAtUnixMs - recent_[i]->takenAtUnixMs >= minRateWindowMs_) {
      out.previous = recent_[i];
      break;
    }
  }
  return out;
}

}  // namespace agent
