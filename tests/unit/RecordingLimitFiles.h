#pragma once
// A group for unit tests of the enforcer's and the reconciler's logic: it holds limits as
// a kernel would (memory in whole pages), records every write, and refuses what it is told
// to refuse. A fake only for logic; the host tier writes real cgroups.
#include <map>
#include <vector>

#include "LimitFiles.h"

namespace agent::policies::testing {

class RecordingLimitFiles : public LimitFiles {
 public:
  mutable cgroup::Limits held;                        // what the "kernel" holds
  mutable std::vector<cgroup::Limits> writes;         // every applyLimits, in order
  std::map<cgroup::Controller, std::string> missing;  // controllers the group lacks, and why
  std::map<cgroup::Controller, int> refuse;           // writes to refuse, with this errno
  uint64_t page = 4096;

  RecordingLimitFiles() {
    held.cpu = cgroup::CpuQuota{cgroup::Bound::unlimited(), cgroup::kDefaultCpuPeriodUs};
    held.memoryMax = cgroup::Bound::unlimited();
    held.pidsMax = cgroup::Bound::unlimited();
  }
  Result<cgroup::Limits> readLimits() const override { return held; }
  Result<void> applyLimits(const cgroup::Limits& limits) const override {
    writes.push_back(limits);
    for (auto [controller, set] : {std::pair{cgroup::Controller::Cpu, limits.cpu.has_value()},
                                   {cgroup::Controller::Memory, limits.memoryMax.has_value()},
                                   {cgroup::Controller::Pids, limits.pidsMax.has_value()}}) {
      if (set && refuse.count(controller)) return systemError("write", "fixture", refuse.at(controller));
    }
    if (limits.cpu) held.cpu = limits.cpu;
    if (limits.memoryMax) {
      held.memoryMax = limits.memoryMax->value ? cgroup::Bound::of(*limits.memoryMax->value / page * page)
                                               : cgroup::Bound::unlimited();
    }
    if (limits.pidsMax) held.pidsMax = limits.pidsMax;
    return {};
  }
  std::optional<std::string> whyNoLimit(cgroup::Controller controller) const override {
    auto found = missing.find(controller);
    return found == missing.end() ? std::nullopt : std::optional(found->second);
  }
  uint64_t pageSize() const override { return page; }
  bool readStats(cgroup::Stats&) const override { return false; }
  cgroup::CgroupVersion versionOf(cgroup::Controller) const override { return cgroup::CgroupVersion::V1; }
  std::optional<cgroup::CpuQuotaConflict> cpuQuotaConflict(const cgroup::CpuQuota&) const override {
    return std::nullopt;
  }
  std::optional<cgroup::CpuQuotaConflict> cappingAncestor(const cgroup::CpuQuota&) const override {
    return std::nullopt;
  }
};

}  // namespace agent::policies::testing
