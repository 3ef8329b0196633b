#pragma once
#include "CgroupBackend.h"

namespace agent::cgroup {

// cgroup v2: one unified hierarchy; cpu usage and the freezer are core files of every group.
class CgroupV2Backend final : public CgroupBackend {
 public:
  CgroupVersion version() const override { return CgroupVersion::V2; }
  void planCpuStats(const Dir& cpu, const Dir* cpuacct, StatsPlan& plan) const override;
  void planMemoryStats(const Dir& memory, StatsPlan& plan) const override;
  void planPidsStats(const Dir& pids, StatsPlan& plan) const override;
  void planIoStats(const Dir& io, StatsPlan& plan) const override;
  Result<void> readCpuLimits(const Dir& cpu, Limits& out, Buffer buffer) const override;
  Result<void> writeCpuLimits(const Dir& cpu, const Limits& limits) const override;
  Result<void> readMemoryLimits(const Dir& memory, Limits& out, Buffer buffer, uint64_t pageSize) const override;
  Result<void> writeMemoryLimits(const Dir& memory, const Limits& limits, uint64_t pageSize) const override;
  Result<void> readPidsLimits(const Dir& pids, Limits& out, Buffer buffer) const override;
  Result<void> writePidsLimits(const Dir& pids, const Limits& limits) const override;
  const char* limitFileOf(Controller c) const override;
  Result<void> freeze(const Dir& dir, std::chrono::milliseconds timeout) const override;
  Result<void> thaw(const Dir& dir, std::chrono::milliseconds timeout) const override;
  Result<FreezerStatus> freezerStatus(const Dir& dir) const override;
  Result<FreezerState> freezerState(const Dir& dir) const override;
};

// Pressure stall information; the files exist in every cgroup2 directory on kernels with
// PSI, including the unified tree of a hybrid host.
void planPressureStats(const Dir& dir, StatsPlan& plan);

// Writes "1" to cgroup.kill (5.14+) and waits, bounded, until cgroup.events says the group
// is no longer populated.
Result<void> killViaCgroupKill(const Dir& dir, std::chrono::milliseconds timeout);
bool hasCgroupKillFile(const Dir& dir);

// Waits until cgroup.events reports `key` (populated or frozen) equal to `wanted`, waking on
// the kernel's notification (POLLPRI on the file) rather than polling on a timer.
Result<bool> waitForCgroupEvent(const Dir& dir, std::string_view key, bool wanted, std::chrono::milliseconds timeout);

}  // namespace agent::cgroup
