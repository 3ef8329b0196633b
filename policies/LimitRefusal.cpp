#include "LimitRefusal.h"

#include "KernelLimits.h"
#include "Quantity.h"

namespace agent::policies {

namespace {

std::string stays(const Refusal& r) {
  return std::string(resourceName(r.resource)) + " stays " + r.holds;
}

std::string cpuConflict(const Refusal& r, const cgroup::CpuQuotaConflict& c) {
  std::string theirs = formatCpu(c.quota);
  if (c.with == cgroup::CpuQuotaConflict::With::Ancestor) {
    return r.requested + " is above the " + theirs + " quota of the " + (c.adjacent ? "parent " : "ancestor ") +
           c.cgroupPath + " (cpu.cfs_quota_us); the kernel refuses a child above its parent on cgroup v1: ask for " +
           theirs + " or less, or raise " + c.cgroupPath + "'s first; " + stays(r);
  }
  return r.requested + " is below the " + theirs + " quota of its " + (c.adjacent ? "child " : "descendant ") +
         c.cgroupPath + " (cpu.cfs_quota_us); the kernel refuses a parent below its children on cgroup v1: lower " +
         c.cgroupPath + "'s first, or ask for " + theirs + " or more; " + stays(r);
}

// What an errno from a limit file usually means here, and what to do about it.
std::string meaning(const Refusal& r) {
  switch (r.error.errnum) {
    case EINVAL:
      switch (r.resource) {
        case Resource::Cpu:
          return "the kernel takes a quota of " + std::to_string(cgroup::kMinCfsQuotaUs) + ".." +
                 std::to_string(cgroup::kMaxCfsQuotaUs) + " us per period of " +
                 std::to_string(cgroup::kMinCfsPeriodUs) + ".." + std::to_string(cgroup::kMaxCfsPeriodUs) +
                 " us, no more than the parent's on cgroup v1";
        case Resource::Memory:
          return "the kernel refused the value (on cgroup v1 memory must stay at or below memory+swap)";
        case Resource::Pids:
          return "pids.max takes 0.." + std::to_string(cgroup::kPidMaxLimit) + " or max";
      }
      break;
    case EACCES:
    case EPERM:
      return "agentd may not write it: run agentd as root, on a cgroup filesystem it may write (not a container's "
             "read-only /sys/fs/cgroup, not a tree delegated to another user)";
    case EROFS:
      return "the cgroup filesystem is mounted read-only: remount it read-write, or run agentd where it is";
    case ENOENT:
    case ENODEV:
      return "the group was removed meanwhile";
    case EBUSY:
      return "the kernel says the group is busy: try again once it is idle";
    default:
      break;
  }
  return "unexpected for a limit file: check the kernel log (dmesg)";
}

}  // namespace

std::string describeRefusal(const Refusal& r) {
  // A refusal said in a whole sentence (an engine's API, agent/engines/): it is the reason.
  if (r.error.sentence) return r.requested + " was refused: " + r.error.message() + "; " + stays(r);
  if (r.resource == Resource::Cpu && r.cpuConflict) return cpuConflict(r, *r.cpuConflict);
  if (r.resource == Resource::Memory && r.error.errnum == EINVAL && r.before.memoryAndSwapMax &&
      !r.before.memoryAndSwapMax->isUnlimited()) {
    return r.requested + " is above the group's memory+swap limit of " + formatMemory(*r.before.memoryAndSwapMax) +
           " (" + r.error.path +
           ", as `docker run --memory-swap` sets it); cgroup v1 keeps memory at or below memory+swap: raise that "
           "limit first (docker update --memory-swap), or ask for max to lift both; " +
           stays(r);
  }
  if (r.resource == Resource::Memory && r.error.errnum == EBUSY && r.memoryUsageBytes) {
    return "the kernel could not reclaim enough memory to bring usage (" +
           formatMemory(cgroup::Bound::of(*r.memoryUsageBytes)) + ") under " + r.requested +
           ": free memory in the group (or stop some of its processes) and try again; " + stays(r);
  }
  return r.requested + " was refused (" + r.error.message() + "): " + meaning(r) + "; " + stays(r);
}

}  // namespace agent::policies
