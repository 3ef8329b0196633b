#include "ContainerHistory.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace agent {

namespace {
constexpr float kUnknown = std::numeric_limits<float>::quiet_NaN();
}  // namespace

bool ContainerHistory::record(const collectors::Snapshot& snapshot) {
  std::lock_guard lock(mutex_);
  int64_t at = snapshot.takenAtUnixMs;
  if (seq_ > 0 && at - timeline_[(seq_ - 1) % kSamples] < minSpacingMs_) return false;
  uint64_t seq = seq_++;
  timeline_[seq % kSamples] = at;
  for (const auto& s : snapshot.cgroups) {
    if (!collectors::isContainerRuntime(s.classification.runtime)) continue;
    // Rings of containers absent from a snapshot are dropped: every ring kept holds each
    // sample since its first, up to the last one.
    auto [it, added] = rings_.try_emplace(s.path);
    Ring& ring = it->second;
    if (added) ring.firstSeq = seq;
    ring.lastSeq = seq;
    Point point{kUnknown, kUnknown, kUnknown};
    const auto& cpu = s.stats.cpu.usageNs;
    if (cpu && ring.lastCpuNs && *cpu >= *ring.lastCpuNs && at > ring.lastAtUnixMs)
      point.cpuPercent = static_cast<float>(100.0 * static_cast<double>(*cpu - *ring.lastCpuNs) /
                                            (static_cast<double>(at - ring.lastAtUnixMs) * 1e6));
    ring.lastCpuNs = cpu;
    ring.lastAtUnixMs = at;
    const auto& memory = s.stats.memory;
    if (auto used = memory.workingSetBytes ? memory.workingSetBytes : memory.usageBytes)
      point.memoryBytes = static_cast<float>(*used);
    if (s.stats.pids.current) point.pids = static_cast<float>(*s.stats.pids.current);
    size_t slot = (seq - ring.firstSeq) % kSamples;
    if (slot == ring.points.size()) {
      // Grown by doubling up to the ring's size exactly, never past it (1024 points).
      if (ring.points.size() == ring.points.capacity())
        ring.points.reserve(std::min(kSamples, std::max<size_t>(16, 2 * ring.points.capacity())));
      ring.points.push_back(point);
    } else
      ring.points[slot] = point;
  }
  std::erase_if(rings_, [seq](const auto& entry) { return entry.second.lastSeq != seq; });  // gone
  return true;
}

std::optional<ContainerHistory::Series> ContainerHistory::of(const std::string& path, int64_t sinceUnixMs) const {
  std::lock_guard lock(mutex_);
  auto found = rings_.find(path);
  if (found == rings_.end() || found->second.points.empty()) return std::nullopt;
  const Ring& ring = found->second;
  Series out;
  uint64_t first = std::max(ring.firstSeq, seq_ > kSamples ? seq_ - kSamples : 0);
  for (uint64_t seq = first; seq < seq_; ++seq) {
    int64_t at = timeline_[seq % kSamples];
    if (at < sinceUnixMs) continue;
    out.atUnixMs.push_back(at);
    out.points.push_back(ring.points[(seq - ring.firstSeq) % kSamples]);
  }
  if (out.points.empty()) return std::nullopt;
  return out;
}

size_t ContainerHistory::containers() const {
  std::lock_guard lock(mutex_);
  return rings_.size();
}

size_t ContainerHistory::sampleBytes() const {
  std::lock_guard lock(mutex_);
  size_t bytes = timeline_.size() * sizeof(int64_t);
  for (const auto& [path, ring] : rings_) bytes += ring.points.capacity() * sizeof(Point);
  return bytes;
}

}  // namespace agent
