#pragma once
// Where each cgroup controller lives on this host. A real host is one of:
//   v1       every controller mounted on its own (or co-mounted, "cpu,cpuacct") under a tmpfs
//   unified  one cgroup2 filesystem at the root
//   hybrid   v1 controllers plus a cgroup2 mount (systemd's /sys/fs/cgroup/unified) that holds
//            the controllers no v1 hierarchy took (here: hugetlb)
// so the model is per controller: each has its own version and mount point.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "Controller.h"
#include "Error.h"
#include "KernelLimits.h"
#include "Mountinfo.h"
#include "ProcCgroup.h"

namespace agent::cgroup {

enum class CgroupMode { V1, Unified, Hybrid };
std::string_view modeName(CgroupMode mode);  // "v1", "unified", "hybrid"

struct CgroupMount {
  CgroupVersion version = CgroupVersion::V1;
  std::string mountPoint;  // e.g. /sys/fs/cgroup/cpu,cpuacct
  std::string root;        // the cgroup mounted there; "/" unless in a cgroup namespace or bind mount
  bool operator==(const CgroupMount&) const = default;
};

struct HierarchyPaths {
  std::string procRoot = "/proc";
  std::string cgroupRoot = "/sys/fs/cgroup";
};

class Hierarchy {
 public:
  // Looks at this host: statfs of the cgroup root, <procRoot>/self/mountinfo, the unified
  // mount's cgroup.controllers, and <procRoot>/self/cgroup.
  static Result<Hierarchy> detect(const HierarchyPaths& paths = {});
  // The pure part of detect(), for tests: `rootIsCgroup2` is what statfs says of the root;
  // `v2Controllers` is the text of the unified mount's cgroup.controllers.
  static Result<Hierarchy> fromMounts(const std::vector<proc::MountEntry>& mounts, const std::string& cgroupRoot,
                                      bool rootIsCgroup2, std::string_view v2Controllers);

  CgroupMode mode() const { return mode_; }
  const std::string& cgroupRoot() const { return cgroupRoot_; }
  // The mount that serves `c`, or nullptr if no hierarchy on this host offers it. On v2,
  // cpuacct and freezer are served by the unified mount (cpu.stat and cgroup.freeze are core).
  const CgroupMount* mountFor(Controller c) const;
  const CgroupMount* unifiedMount() const { return unified_ ? &*unified_ : nullptr; }
  // Controllers enabled at the unified mount's root (its cgroup.controllers).
  const ControllerSet& unifiedControllers() const { return unifiedControllers_; }
  // The members of `wanted` that this host offers.
  ControllerSet available(ControllerSet wanted) const;
  // Every distinct v1 mount that carries at least one controller.
  std::vector<CgroupMount> v1Mounts() const;

  // The kernel's page size: memory limits are kept in whole pages (KernelLimits.h). The
  // host's own unless a test sets another.
  uint64_t pageSize() const { return pageSize_; }
  void setPageSize(uint64_t bytes) { pageSize_ = bytes; }

  // This process's own cgroups (from /proc/self/cgroup; relative to its cgroup namespace).
  const std::vector<proc::CgroupMembership>& selfCgroups() const { return self_; }
  void setSelfCgroups(std::vector<proc::CgroupMembership> self) { self_ = std::move(self); }

 private:
  CgroupMode mode_ = CgroupMode::V1;
  std::string cgroupRoot_;
  std::array<std::optional<CgroupMount>, kControllerCount> v1_;
  std::optional<CgroupMount> unified_;
  ControllerSet unifiedControllers_;
  std::vector<proc::CgroupMembership> self_;
  uint64_t pageSize_ = hostPageSize();
};

}  // namespace agent::cgroup
