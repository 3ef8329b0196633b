// Refused limits in words: which group or file, which value, why, what to do, and what the
// group keeps; never a bare errno text.
#include <gtest/gtest.h>

#include "LimitRefusal.h"

using namespace agent;
using namespace agent::policies;
using agent::cgroup::Bound;
using agent::cgroup::CpuQuota;
using agent::cgroup::CpuQuotaConflict;

namespace {
Error writeError(int errnum, const std::string& value, const std::string& file) {
  return Error{errnum, "/sys/fs/cgroup/x/" + file, "write `" + value + "` to"};
}
}  // namespace

TEST(LimitRefusal, AChildAboveItsParentsQuotaNamesTheParent) {
  Refusal r{Resource::Cpu, "60%", "max", writeError(EINVAL, "60000", "cpu.cfs_quota_us"), {}, std::nullopt, {}};
  r.cpuConflict = CpuQuotaConflict{CpuQuotaConflict::With::Ancestor, true, "/x", CpuQuota{Bound::of(50000), 100000}};
  EXPECT_EQ(describeRefusal(r),
            "60% is above the 50% quota of the parent /x (cpu.cfs_quota_us); the kernel refuses a child above its "
            "parent on cgroup v1: ask for 50% or less, or raise /x's first; cpu stays max");
  r.cpuConflict =
      CpuQuotaConflict{CpuQuotaConflict::With::Descendant, false, "/x/y/z", CpuQuota{Bound::of(50000), 100000}};
  r.requested = "30%";
  EXPECT_EQ(describeRefusal(r),
            "30% is below the 50% quota of its descendant /x/y/z (cpu.cfs_quota_us); the kernel refuses a parent below "
            "its children on cgroup v1: lower /x/y/z's first, or ask for 50% or more; cpu stays max");
}

TEST(LimitRefusal, MemoryAboveMemswNamesThatLimit) {
  cgroup::Limits before;
  before.memoryMax = Bound::of(512 << 20);
  before.memoryAndSwapMax = Bound::of(768 << 20);
  Refusal r{Resource::Memory,
            "1Gi",
            "512Mi",
            Error{EINVAL, "/sys/fs/cgroup/memory/x/memory.memsw.limit_in_bytes", "set memory.limit_in_bytes to ..."},
            before,
            std::nullopt,
            {}};
  EXPECT_EQ(describeRefusal(r),
            "1Gi is above the group's memory+swap limit of 768Mi (/sys/fs/cgroup/memory/x/memory.memsw.limit_in_bytes, "
            "as `docker run --memory-swap` sets it); cgroup v1 keeps memory at or below memory+swap: raise that limit "
            "first (docker update --memory-swap), or ask for max to lift both; memory stays 512Mi");
}

TEST(LimitRefusal, AnyOtherErrnoSaysFileValueWhyAndWhatToDo) {
  Refusal r{Resource::Pids, "100", "max", writeError(EACCES, "100", "pids.max"), {}, std::nullopt, {}};
  std::string text = describeRefusal(r);
  EXPECT_EQ(text,
            "100 was refused (write `100` to `/sys/fs/cgroup/x/pids.max`: Permission denied): agentd may not write it: "
            "run agentd as root, on a cgroup filesystem it may write (not a container's read-only /sys/fs/cgroup, not "
            "a tree delegated to another user); pids stays max");
  for (int errnum : {EINVAL, EPERM, EROFS, ENOENT, EBUSY, EIO}) {
    for (Resource resource : kResources) {
      Refusal any{resource, "7", "max", writeError(errnum, "7", "some.file"), {}, std::nullopt, {}};
      std::string said = describeRefusal(any);
      EXPECT_NE(said.find("`/sys/fs/cgroup/x/some.file`"), std::string::npos) << said;  // which file
      EXPECT_NE(said.find("`7`"), std::string::npos) << said;                           // which value
      EXPECT_NE(said.find("): "), std::string::npos) << said;                           // why
      EXPECT_NE(said.find(" stays max"), std::string::npos) << said;                    // what it keeps
    }
  }
}

TEST(LimitRefusal, MemoryTheKernelCannotReclaimSaysUsage) {
  Refusal r{Resource::Memory,  "32Mi", "max", writeError(EBUSY, "33554432", "memory.limit_in_bytes"), {}, std::nullopt,
            uint64_t{96} << 20};
  EXPECT_EQ(describeRefusal(r),
            "the kernel could not reclaim enough memory to bring usage (96Mi) under 32Mi: free memory in the group (or "
            "stop some of its processes) and try again; memory stays max");
}
