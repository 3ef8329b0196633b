// What the kernel rounds, caps or refuses, on this kernel (v1 hybrid) and in the v2 guest:
// page-rounded and huge memory limits never look like drift, a limit above memory+swap or
// above a parent's CPU quota says which limit is in the way, and a group that is missing
// from a hierarchy takes the limits it can hold.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "HostTestSupport.h"
#include "Limiting.h"

using namespace agent;
using namespace agent::hosttest;

namespace {

bool isV1(cgroup::Controller c) {
  return HostEnvironment::hierarchy().mountFor(c)->version == cgroup::CgroupVersion::V1;
}

std::string dirOf(cgroup::Controller c, const std::string& path) {
  return HostEnvironment::hierarchy().mountFor(c)->mountPoint + path;
}

// echo VALUE > FILE, as a user (or docker) would; "" on success, else the error.
std::string writeControl(const std::string& file, const std::string& value) {
  int fd = ::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return "open " + file + ": " + std::strerror(errno);
  ssize_t n = ::write(fd, value.data(), value.size());
  std::string error = n < 0 ? "write " + value + " to " + file + ": " + std::strerror(errno) : "";
  ::close(fd);
  return error;
}

std::string readControl(const std::string& file) {
  std::ifstream in(file);
  std::string word;
  in >> word;
  return word;
}

void writePolicy(Limiting& l, const std::string& yaml) {
  std::string dir = l.agent.scratch.path() + "/policies";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/p.yaml") << yaml;
  ASSERT_TRUE(l.policies->reload()) << (l.policies->status().lastErrors.empty() ? ""
                                                                                : l.policies->status().lastErrors[0]);
}

}  // namespace

// The kernel keeps 100000001 as 99999744. The reconciler saw a difference and "put it back"
// at every pass (6 drift corrections in 30 s); now it compares in the kernel's form.
TEST(KernelLimit, ANonPageAlignedMemoryLimitIsNeverDrift) {
  std::string path;
  Limiting l([&path] { return std::vector<LimitTarget>{{path, path, path, false, {}, false}}; });
  std::string byOverride = l.agent.parent.path() + "/rounded";
  path = l.agent.parent.path() + "/by-policy";
  auto overridden = l.agent.parent.child("rounded");
  auto matched = l.agent.parent.child("by-policy");
  EXPECT_EQ(l.limit(byOverride, "memory", "100000001"), "max -> 97656Ki");
  ASSERT_TRUE(l.last);
  EXPECT_NE(l.last->note.find("whole " + std::to_string(overridden.pageSize()) + "-byte pages"), std::string::npos)
      << l.last->note;
  // Stored as given (the worst case: LimitsApi stores the kernel's form).
  ASSERT_TRUE(l.overrides->merge(byOverride, *policies::limitSetFromJson({{"memory", "100000001"}}, 2)));
  writePolicy(
      l, "policies:\n  - name: rounded\n    match: {cgroups: [\"" + path + "\"]}\n    limits: {memory: 1000000000}\n");
  l.reconciler->reconcileAll(false);
  for (int pass = 0; pass < 6; ++pass) l.reconciler->reconcileAll(true);
  EXPECT_EQ(l.metrics.driftCorrections("memory"), 0u) << "a value the kernel rounded was written again";
  EXPECT_EQ(l.metrics.enforcements("override", "memory"), 1u);
  EXPECT_EQ(l.metrics.enforcements("rounded", "memory"), 1u);
  auto limits = matched.readLimits();
  ASSERT_TRUE(limits);
  EXPECT_EQ(limits->memoryMax, cgroup::Bound::of(1000000000 / matched.pageSize() * matched.pageSize()));
}

// `--memory 8000000Ti` is kept by the kernel as is; it read back as `max` and was written at
// every pass. `8388607Ti` printed "(unchanged)" while the kernel's value changed.
TEST(KernelLimit, HugeMemoryLimitsReadBackAsTheKernelHoldsThem) {
  Limiting l;
  std::string path = l.agent.parent.path() + "/huge";
  auto group = l.agent.parent.child("huge");
  EXPECT_EQ(l.limit(path, "memory", "8000000Ti"), "max -> 8000000Ti");
  EXPECT_EQ(l.limit(path, "memory", "8388607Ti"), "8000000Ti -> 8388607Ti");
  EXPECT_EQ(l.limit(path, "memory", "8388608Ti"), "8388607Ti -> max");
  ASSERT_TRUE(l.last);
  EXPECT_NE(l.last->note.find("at or above the kernel's cap"), std::string::npos) << l.last->note;
  EXPECT_EQ(l.limit(path, "memory", "8000000Ti"), "max -> 8000000Ti");
  ASSERT_TRUE(l.overrides->merge(path, *policies::limitSetFromJson({{"memory", "8000000Ti"}}, 2)));
  for (int pass = 0; pass < 4; ++pass) l.reconciler->reconcileAll(true);
  EXPECT_EQ(l.metrics.driftCorrections("memory"), 0u);
}

// `docker run --memory 512m --memory-swap 768m`, then `limit --memory 1Gi` and `--memory
// max`: both failed with a bare "Invalid argument" on cgroup v1.
TEST(KernelLimit, MemoryAndMemoryPlusSwapOnV1) {
  Limiting l;
  std::string path = l.agent.parent.path() + "/swapcap";
  auto group = l.agent.parent.child("swapcap");
  std::string dir = dirOf(cgroup::Controller::Memory, path);
  if (!isV1(cgroup::Controller::Memory)) {
    // cgroup v2: memory.max and memory.swap.max are independent; raising one leaves the other.
    bool hasSwap = std::filesystem::exists(dir + "/memory.swap.max");
    if (hasSwap) {
      ASSERT_EQ(writeControl(dir + "/memory.swap.max", "268435456"), "");
    }
    ASSERT_EQ(writeControl(dir + "/memory.max", "536870912"), "");
    EXPECT_EQ(l.limit(path, "memory", "1Gi"), "512Mi -> 1Gi");
    EXPECT_EQ(l.limit(path, "memory", "max"), "1Gi -> max");
    if (hasSwap) {
      EXPECT_EQ(readControl(dir + "/memory.swap.max"), "268435456");
    }
    return;
  }
  // This host's kernel has swap accounting (memory.memsw.* exist); without it there is no
  // memory+swap limit to be in the way, and the unit test covers the order.
  ASSERT_TRUE(std::filesystem::exists(dir + "/memory.memsw.limit_in_bytes"))
      << "no swap accounting on this v1 kernel (boot with swapaccount=1)";
  ASSERT_EQ(writeControl(dir + "/memory.limit_in_bytes", "536870912"), "");
  ASSERT_EQ(writeControl(dir + "/memory.memsw.limit_in_bytes", "805306368"), "");

  std::string refused = l.limit(path, "memory", "1Gi");
  EXPECT_EQ(refused, "error: 1Gi is above the group's memory+swap limit of 768Mi (" + dir +
                         "/memory.memsw.limit_in_bytes, as `docker run --memory-swap` sets it); cgroup v1 keeps memory "
                         "at or below memory+swap: raise that limit first (docker update --memory-swap), or ask for "
                         "max to lift both; memory stays 512Mi");
  EXPECT_EQ(readControl(dir + "/memory.limit_in_bytes"), "536870912");

  EXPECT_EQ(l.limit(path, "memory", "640Mi"), "512Mi -> 640Mi");  // within memory+swap: memory alone
  EXPECT_EQ(readControl(dir + "/memory.memsw.limit_in_bytes"), "805306368");

  EXPECT_EQ(l.limit(path, "memory", "max"), "640Mi -> max");
  ASSERT_TRUE(l.last);
  EXPECT_NE(l.last->note.find("memory+swap limit (memory.memsw.limit_in_bytes) 768Mi -> max"), std::string::npos)
      << l.last->note;
  EXPECT_EQ(readControl(dir + "/memory.memsw.limit_in_bytes"), readControl(dir + "/memory.limit_in_bytes"));

  // Lowering again needs no memory+swap change: memory alone, under the unlimited memsw.
  EXPECT_EQ(l.limit(path, "memory", "256Mi"), "max -> 256Mi");
}

// parent 50%, `limit child --cpu 60%`: "Invalid argument" on v1. Now it says that the parent
// caps it and at what; v2 takes it and caps it in effect, and says that.
TEST(KernelLimit, AChildAboveItsParentsCpuQuota) {
  Limiting l;
  std::string parent = l.agent.parent.path() + "/capped";
  std::string child = parent + "/inner";
  auto parentGroup = l.agent.parent.child("capped");
  auto childGroup = l.agent.parent.child("capped/inner");
  EXPECT_EQ(l.limit(parent, "cpu", "50%"), "max -> 50%");
  std::string above = l.limit(child, "cpu", "60%");
  if (isV1(cgroup::Controller::Cpu)) {
    EXPECT_EQ(above, "error: 60% is above the 50% quota of the parent " + parent +
                         " (cpu.cfs_quota_us); the kernel refuses a child above its parent on cgroup v1: ask for 50% "
                         "or less, or raise " +
                         parent + "'s first; cpu stays max");
    EXPECT_EQ(readControl(dirOf(cgroup::Controller::Cpu, child) + "/cpu.cfs_quota_us"), "-1");
    // The other way round: a parent below its child.
    EXPECT_EQ(l.limit(child, "cpu", "40%"), "max -> 40%");
    EXPECT_EQ(l.limit(parent, "cpu", "30%"),
              "error: 30% is below the 40% quota of its child " + child +
                  " (cpu.cfs_quota_us); the kernel refuses a parent below its children on cgroup v1: lower " + child +
                  "'s first, or ask for 40% or more; cpu stays 50%");
  } else {
    EXPECT_EQ(above, "max -> 60%");
    ASSERT_TRUE(l.last);
    EXPECT_EQ(l.last->note, "the parent " + parent + " holds 50% (cpu.max): the group gets at most that in effect");
  }
}

// A group that exists in cpu, cpuacct and pids but not in memory (v1: systemd's units
// without memory accounting; v2: a parent that does not enable memory for its children). A
// `cgroups:` policy with cpu and memory was silently not applied at all, and `limit --cpu`
// said "no such cgroup".
TEST(KernelLimit, AGroupMissingFromTheMemoryHierarchyTakesCpuAndSaysWhyNotMemory) {
  std::string path;
  Limiting l([&path] { return std::vector<LimitTarget>{{path, path, path, false, {}, false}}; });
  std::string slice = l.agent.parent.path() + "/slice";
  path = slice + "/unit.service";
  if (isV1(cgroup::Controller::Memory)) {
    for (auto c : {cgroup::Controller::Cpu, cgroup::Controller::Cpuacct, cgroup::Controller::Pids}) {
      std::filesystem::create_directories(dirOf(c, path));
    }
    ASSERT_FALSE(std::filesystem::exists(dirOf(cgroup::Controller::Memory, path)));
  } else {
    // The slice gets cpu and pids from the test's parent and passes on only those.
    auto made = l.agent.parent.child("slice", {cgroup::Controller::Cpu, cgroup::Controller::Pids});
    ASSERT_EQ(writeControl(dirOf(cgroup::Controller::Memory, slice) + "/cgroup.subtree_control", "+cpu +pids"), "");
    std::filesystem::create_directories(dirOf(cgroup::Controller::Memory, path));
  }
  writePolicy(l, "policies:\n  - name: units\n    match: {cgroups: [\"" + path +
                     "\"]}\n    limits: {cpu: 20%, memory: 256Mi}\n");
  l.reconciler->reconcileAll(false);
  std::string cpuDir = dirOf(cgroup::Controller::Cpu, path);
  EXPECT_EQ(readControl(cpuDir + (isV1(cgroup::Controller::Cpu) ? "/cpu.cfs_quota_us" : "/cpu.max")), "20000");
  EXPECT_EQ(l.metrics.enforcements("units", "cpu"), 1u);
  auto problems = l.reconciler->problems(path);
  ASSERT_EQ(problems.count(policies::Resource::Memory), 1u);
  std::string why = problems[policies::Resource::Memory];
  if (isV1(cgroup::Controller::Memory)) {
    EXPECT_EQ(why, "the group has no directory in the memory hierarchy (" + dirOf(cgroup::Controller::Memory, path) +
                       "), so it takes no memory limit");
  } else {
    EXPECT_NE(why.find("the memory controller is not enabled for the group"), std::string::npos) << why;
  }
  EXPECT_EQ(l.metrics.unenforced("memory"), 1u);
  EXPECT_EQ(l.metrics.unenforced("cpu"), 0u);
  for (int pass = 0; pass < 3; ++pass) l.reconciler->reconcileAll(true);
  EXPECT_EQ(l.metrics.driftCorrections("cpu"), 0u);
  EXPECT_EQ(l.metrics.unenforced("memory"), 1u);

  // `limit` by path: cpu is set, memory refused naming the hierarchy.
  EXPECT_EQ(l.limit(path, "cpu", "90%"), "20% -> 90%");
  EXPECT_EQ(l.limit(path, "memory", "256Mi"), "error: " + why);
}
