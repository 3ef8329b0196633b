#pragma once
// One logical cgroup: a path such as "/agent/web-1" that exists under every hierarchy
// serving the controllers it was opened with. Each hierarchy's directory is opened once and
// every control file is read relative to it. On a hybrid host the group also lives in the
// unified tree, as systemd does there: that gives it cgroup.kill, cgroup.events and PSI.
#include <sys/types.h>

#include <array>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "CgroupBackend.h"
#include "DeviceRules.h"
#include "Hierarchy.h"

namespace agent::cgroup {

using namespace std::chrono_literals;

class Cgroup {
 public:
  // Makes the directories (and any missing parents) in every hierarchy that serves one of
  // `controllers`; on v2 enables those controllers in cgroup.subtree_control down the path.
  // An existing group is opened as is. On failure, what this call made is removed again.
  // `delegatedRoot`: the group another manager made and delegated (systemd's transient scope,
  // "/agent.slice/agent-<id>.scope"): `path` lies below it, and nothing above it or of it but
  // its cgroup.subtree_control is touched (systemd.io/CGROUP_DELEGATION).
  static Result<Cgroup> create(const Hierarchy& hierarchy, const std::string& path, ControllerSet controllers,
                               const std::string& delegatedRoot = {});
  // Opens an existing group; an error whose isGone() is true if it does not exist. A member
  // of `optional` whose directory is missing is left out (whyNoLimit() says so) instead:
  // a container started by an older agentd lacks the hierarchies added since.
  static Result<Cgroup> open(const Hierarchy& hierarchy, const std::string& path, ControllerSet controllers,
                             ControllerSet optional = {});
  // A read-only handle on any cgroup of the host, the root "/" included, for collectors: it
  // takes the members of `controllers` in whose hierarchies the path exists (on v1 a path
  // need not exist in all), and every method that would change the group refuses (EPERM).
  static Result<Cgroup> observe(const Hierarchy& hierarchy, const std::string& path, ControllerSet controllers);
  // Opens an existing group, to set limits, in those hierarchies of `controllers` that hold
  // its directory: on v1 a group need not be in all (systemd's units without memory
  // accounting are in cpu and pids, not in memory). whyNoLimit() says what it lacks. Fails
  // (isGone) only when no hierarchy holds it.
  static Result<Cgroup> openWherePresent(const Hierarchy& hierarchy, const std::string& path,
                                         ControllerSet controllers);

  const std::string& path() const { return path_; }
  // False once the group was removed (its directory handles stay open, but empty).
  bool exists() const;
  bool has(Controller c) const { return memberOf_[static_cast<size_t>(c)] >= 0; }
  // Which version serves `c` in this group; only meaningful when has(c).
  CgroupVersion versionOf(Controller c) const;
  // The directory serving `c`, for callers that need a path to show; nullptr when absent.
  const Dir* dirFor(Controller c) const;
  bool hasUnified() const { return unifiedMember_ >= 0; }
  // In how many hierarchies (mounts) the group has a directory.
  size_t hierarchyCount() const { return members_.size(); }
  // The mount serving `c` in this group; nullptr when absent.
  const CgroupMount* mountFor(Controller c) const;
  // Why the group cannot take a limit of `c`, as a clause such as "the group has no
  // directory in the memory hierarchy (/sys/fs/cgroup/memory/x)"; nullopt when it can.
  std::optional<std::string> whyNoLimit(Controller c) const;
  // The kernel's page size, in whose multiples memory limits are kept.
  uint64_t pageSize() const { return pageSize_; }

  // Moves `pid` (a whole process) into this group in every hierarchy.
  Result<void> attach(pid_t pid) const;
  // The processes in this group itself, and in it and all its descendants.
  Result<std::vector<pid_t>> pids() const;
  Result<std::vector<pid_t>> pidsRecursive() const;

  // Fills `out` (cleared first). Allocation-free after the first call on a thread.
  Result<void> readStats(Stats& out) const;
  // The control files readStats reads, in order.
  const StatsPlan& statsPlan() const { return statsPlan_; }
  // For handles read every collection: keep each control file open after its first read
  // and re-read it with pread (one syscall instead of three; about 4x cheaper per file).
  // Costs one fd and one kernel page per file read; readStats must then not run
  // concurrently on this handle.
  void keepControlFilesOpen();
  // The group's cumulative CPU time alone, from one file (v1 cpuacct.usage, v2 cpu.stat):
  // a collector's cheap test of whether anything ran since its last full read. Empty when
  // the layout has no such file (v1 without cpuacct).
  Result<std::optional<uint64_t>> readCpuUsageNs() const;
  // Holds that one file open (see keepControlFilesOpen), and no other.
  void keepCpuUsageFileOpen();
  // The limits of the controllers the group has; a controller whose limit file is missing
  // (see whyNoLimit) leaves its fields empty.
  Result<Limits> readLimits() const;
  // Writes the fields of `limits` that are set; errors name the file and the value.
  Result<void> applyLimits(const Limits& limits) const;
  // Makes `allowed` the only devices the group's processes may make and use, before
  // anything runs in a new group (CgroupDevices.cpp). On cgroup v1 the devices controller's
  // files (planV1DeviceWrites), read back from devices.list: an error names any difference.
  // On cgroup v2 a BPF device program (DeviceProgram.h) attached to the group's directory,
  // where it stays across agentd restarts. A host with neither: an error.
  Result<void> applyDeviceRules(const std::vector<DeviceRule>& allowed) const;
  // Which of the two confines this group's devices.
  DeviceMechanism deviceMechanism() const;
  // nullopt when the kernel confines the group's devices now (a v1 allow-list, a device
  // program attached), else why not as a clause: no devices directory (a container of an
  // older agentd), an allow-all devices.list, no program attached.
  Result<std::optional<std::string>> whyDevicesUnconfined() const;

  Result<void> freeze(std::chrono::milliseconds timeout = 5s) const;
  Result<void> thaw(std::chrono::milliseconds timeout = 5s) const;
  Result<FreezerStatus> freezerStatus() const;
  // The effective state only, from one file (freezerStatus reads up to the root on v2).
  Result<FreezerState> freezerState() const;

  // Kills every process in the group and its descendants and waits until none is left:
  // cgroup.kill where the kernel has it, else killAllBySignal().
  Result<void> killAll(std::chrono::milliseconds timeout = 5s) const;
  // Freeze (so nothing forks while we look), SIGKILL every pid, thaw, wait until empty.
  Result<void> killAllBySignal(std::chrono::milliseconds timeout = 5s) const;
  bool hasCgroupKill() const;

  // Removes the group and its descendants in every hierarchy, retrying on EBUSY (exiting
  // processes leave a moment late) until `timeout`. The handle is empty afterwards.
  Result<void> remove(std::chrono::milliseconds timeout = 2s);

 private:
  struct Member {
    CgroupMount mount;
    Dir dir;
  };
  enum class OpenMode { AllRequired, WherePresent, Observe };
  static Result<Cgroup> openImpl(const Hierarchy& hierarchy, const std::string& path, ControllerSet controllers,
                                 OpenMode mode, ControllerSet optional = {});
  const Member* member(Controller c) const;
  const Member& primary() const;
  void buildStatsPlan();

  std::string path_;
  std::vector<Member> members_;
  std::array<int8_t, kControllerCount> memberOf_{};
  int8_t unifiedMember_ = -1;
  bool readOnly_ = false;
  bool devicesOnV1_ = false;  // the host has a v1 devices controller (deviceMechanism)
  uint64_t pageSize_ = 4096;
  std::array<std::string, kControllerCount> absentWhy_;  // for requested controllers the group lacks
  StatsPlan statsPlan_;                                  // points into members_, whose elements never move after open()
};

// Rejects paths that could leave the hierarchy or are not absolute: "", "/", "..", "//".
Result<void> validateCgroupPath(const std::string& path);

}  // namespace agent::cgroup
