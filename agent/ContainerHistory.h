#pragma once
// The web view's charts (WebView.h): for each container the collector sees (the agent's and
// other engines'), its last 600 samples of CPU %, memory and pids, fed by the collection loop
// with every snapshot at least `minSpacing` after the last one it took (a scrape that forces a
// snapshot (max_staleness) does not crowd the ring): at the default 1 s collect_interval, 600
// samples are the last 10 minutes.
//
// Memory: a sample is three float32 (12 bytes), so a container's ring is 7,200 bytes once
// full (it grows as the container lives: one started a minute ago holds 60), plus its key, a
// map node and its last CPU counter (~150 bytes); one timeline of 600 int64 (4.8 KB) is shared.
// 1000 containers: about 7.4 MB. A container gone from a snapshot loses its ring.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "Snapshot.h"

namespace agent {

class ContainerHistory {
 public:
  static constexpr size_t kSamples = 600;

  // NaN where unknown (a container's first sample has no CPU %: a rate needs two).
  struct Point {
    float cpuPercent;   // 100 = one CPU busy for the whole interval (as agentctl stats)
    float memoryBytes;  // the working set (usage without inactive file pages), as agentctl stats
    float pids;
  };
  struct Series {
    std::vector<int64_t> atUnixMs;  // oldest first
    std::vector<Point> points;      // same length
  };

  explicit ContainerHistory(std::chrono::milliseconds minSpacing = std::chrono::milliseconds(900))
      : minSpacingMs_(minSpacing.count()) {}

  // Takes a sample of every container in `snapshot` ("/" and plain cgroups never); false when
  // it came less than `minSpacing` after the last one taken (or went back in time): skipped.
  bool record(const collectors::Snapshot& snapshot);
  // The samples of the container with cgroup `path` taken at or after `sinceUnixMs`; nullopt
  // when it has none.
  std::optional<Series> of(const std::string& path, int64_t sinceUnixMs = 0) const;
  size_t containers() const;
  // What the rings hold now, in bytes (the samples, not the allocator's overhead).
  size_t sampleBytes() const;

 private:
  struct Ring {
    uint64_t firstSeq = 0;  // the sample number of its first point; sample s is at (s - firstSeq) % kSamples
    uint64_t lastSeq = 0;
    std::vector<Point> points;  // grows to kSamples, then written round
    std::optional<uint64_t> lastCpuNs;
    int64_t lastAtUnixMs = 0;
  };
  int64_t minSpacingMs_;
  mutable std::mutex mutex_;
  uint64_t seq_ = 0;                                                   // samples taken so far; the next one's number
  std::vector<int64_t> timeline_ = std::vector<int64_t>(kSamples, 0);  // by seq % kSamples
  std::map<std::string, Ring> rings_;                                  // by cgroup path
};

}  // namespace agent
