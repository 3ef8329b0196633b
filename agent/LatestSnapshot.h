#pragma once
// The collector's latest Snapshot, and the one before it for rates: swapped under a short
// lock, never waited on for long. /metrics serves the latest; `agentctl stats` compares the
// latest with the newest one taken at least a rate window before it, so a snapshot a scrape
// forced just after the collector's own (max_staleness) never makes a CPU % over a few ms.
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>

#include "Snapshot.h"

namespace agent {

class LatestSnapshot {
 public:
  explicit LatestSnapshot(std::chrono::milliseconds minRateWindow = std::chrono::milliseconds(500))
      : minRateWindowMs_(minRateWindow.count()) {}
  void publish(collectors::SnapshotPtr snapshot);
  collectors::SnapshotPtr latest() const;

  struct WithPrevious {
    collectors::SnapshotPtr latest;
    collectors::SnapshotPtr previous;  // null until one was taken a rate window before the latest
  };
  WithPrevious withPrevious() const;

  // What takes a snapshot now (the collection loop's collectNow), for a reader that missed a
  // container made a moment ago; unset, refreshNow() does nothing. Set once, before readers run.
  void setRefresher(std::function<void()> refresher) { refresher_ = std::move(refresher); }
  void refreshNow() const {
    if (refresher_) refresher_();
  }

 private:
  int64_t minRateWindowMs_;
  std::function<void()> refresher_;
  mutable std::mutex mutex_;
  // Oldest first; the back is the latest. Only what withPrevious() may still need is kept.
  std::deque<collectors::SnapshotPtr> recent_;
};

}  // namespace agent
