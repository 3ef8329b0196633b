#pragma once
#include "CgroupBackend.h"

namespace agent::cgroup {

// cgroup v1: one hierarchy per controller (or per co-mounted group of them).
class CgroupV1Backend final : public CgroupBackend {
 public:
  CgroupVersion version() const override { return CgroupVersion::V1; }
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

}  // namespace agent::cgroup
