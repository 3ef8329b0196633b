#pragma once
// Version-independent usage of one cgroup. Every field is optional: a kernel or a layout
// that lacks the source file leaves it empty, and consumers show "unknown", never 0.
#include <cstdint>
#include <optional>
#include <vector>

#include "Limits.h"

namespace agent::cgroup {

struct CpuStats {
  std::optional<uint64_t> usageNs, userNs, systemNs;
  std::optional<uint64_t> periods, throttledPeriods, throttledNs;
};

struct MemoryStats {
  std::optional<uint64_t> usageBytes;
  std::optional<uint64_t> workingSetBytes;  // usage - inactive_file, floored at 0 (as cAdvisor)
  std::optional<uint64_t> rssBytes, cacheBytes, swapBytes;
  std::optional<uint64_t> maxUsageBytes;  // v1 max_usage_in_bytes, v2 memory.peak (5.19+)
  std::optional<uint64_t> failcnt;        // v1 failcnt, v2 memory.events "max"
  std::optional<uint64_t> oomKills;       // v1 oom_control oom_kill (4.13+), v2 memory.events oom_kill
  std::optional<uint64_t> inactiveFileBytes;
};

struct PidsStats {
  std::optional<uint64_t> current;
  std::optional<Bound> max;
};

struct IoDeviceStats {
  uint32_t major = 0, minor = 0;
  std::optional<uint64_t> readBytes, writeBytes, readOps, writeOps;
};

// Pressure stall information (cgroup2 only): total stall time in microseconds.
struct PressureStats {
  std::optional<uint64_t> someTotalUs, fullTotalUs;
};

struct Stats {
  CpuStats cpu;
  MemoryStats memory;
  PidsStats pids;
  std::vector<IoDeviceStats> io;
  std::optional<PressureStats> cpuPressure, memoryPressure, ioPressure;

  // Resets every field but keeps the io vector's capacity, so a collector reusing one Stats
  // per cgroup does not allocate on each pass.
  void clear() {
    cpu = {};
    memory = {};
    pids = {};
    io.clear();
    cpuPressure.reset();
    memoryPressure.reset();
    ioPressure.reset();
  }
};

}  // namespace agent::cgroup
