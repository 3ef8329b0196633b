#pragma once
// A group's limit files whose writes go through its engine's API: reads (what the kernel
// holds, stats, why a hierarchy lacks the group) are the cgroup's own, so the enforcer
// compares and reports exactly as for any group, and writes become an engine update that
// the engine makes in the same files. What the reconciler opens for a target with `engine`.
#include <memory>

#include "EngineLimitClient.h"
#include "LimitFiles.h"

namespace agent::engines {

class EngineLimitFiles : public policies::LimitFiles {
 public:
  EngineLimitFiles(std::unique_ptr<policies::LimitFiles> files, std::shared_ptr<EngineLimitClient> engine,
                   std::string id);
  Result<cgroup::Limits> readLimits() const override { return files_->readLimits(); }
  // cpu, memory and pids through the engine; any other field is refused (the enforcer sets
  // only those).
  Result<void> applyLimits(const cgroup::Limits& limits) const override;
  std::optional<std::string> whyNoLimit(cgroup::Controller controller) const override {
    return files_->whyNoLimit(controller);
  }
  uint64_t pageSize() const override { return files_->pageSize(); }
  bool readStats(cgroup::Stats& stats) const override { return files_->readStats(stats); }
  cgroup::CgroupVersion versionOf(cgroup::Controller controller) const override {
    return files_->versionOf(controller);
  }
  std::optional<cgroup::CpuQuotaConflict> cpuQuotaConflict(const cgroup::CpuQuota& wanted) const override {
    return files_->cpuQuotaConflict(wanted);
  }
  std::optional<cgroup::CpuQuotaConflict> cappingAncestor(const cgroup::CpuQuota& wanted) const override {
    return files_->cappingAncestor(wanted);
  }

 private:
  std::unique_ptr<policies::LimitFiles> files_;
  std::shared_ptr<EngineLimitClient> engine_;
  std::string id_;
};

}  // namespace agent::engines
