#pragma once
// What the enforcer needs of a group, as a seam (crun's cgroup manager table, oomd's mock
// bases): the real one is a cgroup::Cgroup (CgroupLimitFiles); unit tests of the enforcer's
// logic give one that records every write.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "Cgroup.h"
#include "CpuQuotaConflict.h"
#include "Error.h"
#include "Limits.h"
#include "Stats.h"

namespace agent::policies {

class LimitFiles {
 public:
  virtual ~LimitFiles() = default;
  virtual Result<cgroup::Limits> readLimits() const = 0;
  virtual Result<void> applyLimits(const cgroup::Limits& limits) const = 0;
  // Why the group cannot hold a limit of `controller` (Cgroup::whyNoLimit); none when it can.
  virtual std::optional<std::string> whyNoLimit(cgroup::Controller controller) const = 0;
  virtual uint64_t pageSize() const = 0;
  virtual bool readStats(cgroup::Stats& stats) const = 0;
  virtual cgroup::CgroupVersion versionOf(cgroup::Controller controller) const = 0;
  // On a refused cpu quota: the group whose quota stands in the way (CpuQuotaConflict.h).
  virtual std::optional<cgroup::CpuQuotaConflict> cpuQuotaConflict(const cgroup::CpuQuota& wanted) const = 0;
  // On a cpu quota taken on v2: the ancestor that caps it in effect.
  virtual std::optional<cgroup::CpuQuotaConflict> cappingAncestor(const cgroup::CpuQuota& wanted) const = 0;
};

// A group's real files: a handle it is given, or one of its own.
class CgroupLimitFiles : public LimitFiles {
 public:
  explicit CgroupLimitFiles(const cgroup::Cgroup& group) : group_(group) {}
  explicit CgroupLimitFiles(cgroup::Cgroup&& group) : owned_(std::move(group)), group_(*owned_) {}
  CgroupLimitFiles(const CgroupLimitFiles&) = delete;
  CgroupLimitFiles& operator=(const CgroupLimitFiles&) = delete;
  Result<cgroup::Limits> readLimits() const override { return group_.readLimits(); }
  Result<void> applyLimits(const cgroup::Limits& limits) const override { return group_.applyLimits(limits); }
  std::optional<std::string> whyNoLimit(cgroup::Controller controller) const override {
    return group_.whyNoLimit(controller);
  }
  uint64_t pageSize() const override { return group_.pageSize(); }
  bool readStats(cgroup::Stats& stats) const override { return group_.readStats(stats).has_value(); }
  cgroup::CgroupVersion versionOf(cgroup::Controller controller) const override { return group_.versionOf(controller); }
  std::optional<cgroup::CpuQuotaConflict> cpuQuotaConflict(const cgroup::CpuQuota& wanted) const override {
    return cgroup::findCpuQuotaConflict(group_, wanted);
  }
  std::optional<cgroup::CpuQuotaConflict> cappingAncestor(const cgroup::CpuQuota& wanted) const override {
    return cgroup::findCappingAncestor(group_, wanted);
  }

 private:
  std::optional<cgroup::Cgroup> owned_;
  const cgroup::Cgroup& group_;
};

// Opens a group's limit files by cgroup path: the reconciler's seam (real cgroups in agentd,
// recording fakes in unit tests).
using LimitFilesOpener = std::function<Result<std::unique_ptr<LimitFiles>>(const std::string& cgroupPath)>;

}  // namespace agent::policies
