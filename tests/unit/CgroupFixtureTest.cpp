// The logical cgroup handle on fixture trees: the same code paths as on a real kernel
// (mkdir per hierarchy, subtree_control, dirfd-relative reads and writes), minus the kernel.
#include <gtest/gtest.h>

#include <filesystem>

#include "Cgroup.h"
#include "FixtureTree.h"

using namespace agent::cgroup;
using agent::fixture::capturedText;
using agent::fixture::FixtureTree;
using agent::proc::parseMountinfo;

namespace {

Hierarchy hierarchyOf(const std::string& mountinfo, bool rootIsCgroup2, const std::string& cgroupRoot,
                      std::string_view v2Controllers = "") {
  auto h = Hierarchy::fromMounts(parseMountinfo(mountinfo), cgroupRoot, rootIsCgroup2, v2Controllers);
  EXPECT_TRUE(h) << h.error().message();
  return *h;
}

// Fills a v1 group directory with control files captured on this host.
void materializeV1Files(FixtureTree& tree, const std::string& cpu, const std::string& cpuacct,
                        const std::string& memory, const std::string& pids, const std::string& blkio) {
  for (const char* f : {"cpu.stat", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.shares"})
    tree.file(cpu + "/" + f, capturedText(std::string("v1/") + f));
  for (const char* f : {"cpuacct.usage", "cpuacct.stat"})
    tree.file(cpuacct + "/" + f, capturedText(std::string("v1/") + f));
  for (const char* f : {"memory.usage_in_bytes", "memory.stat", "memory.max_usage_in_bytes", "memory.failcnt",
                        "memory.oom_control", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes"})
    tree.file(memory + "/" + f, capturedText(std::string("v1/") + f));
  for (const char* f : {"pids.current", "pids.max"}) tree.file(pids + "/" + f, capturedText(std::string("v1/") + f));
  tree.file(blkio + "/blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 0\nTotal 4096\n");
  tree.file(blkio + "/blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 0\nTotal 1\n");
}

}  // namespace

TEST(CgroupFixture, V1SeparateMountsCreateEveryDirectoryAndReadStats) {
  FixtureTree tree;
  std::string cg = tree.path("cg");
  std::string mountinfo;
  int id = 32;
  for (const char* c : {"cpu", "cpuacct", "memory", "pids", "blkio", "freezer", "devices"}) {
    tree.dir(std::string("cg/") + c);
    mountinfo += std::to_string(id) + " 31 0:" + std::to_string(id) + " / " + cg + "/" + c + " rw - cgroup cgroup rw," +
                 c + "\n";
    ++id;
  }
  Hierarchy h = hierarchyOf(mountinfo, false, cg);
  auto group = Cgroup::create(h, "/agent/web-1", containerControllers());
  ASSERT_TRUE(group) << group.error().message();
  for (const char* c : {"cpu", "cpuacct", "memory", "pids", "blkio", "freezer", "devices"}) {
    EXPECT_TRUE(std::filesystem::is_directory(cg + "/" + c + "/agent/web-1")) << c;
  }
  materializeV1Files(tree, "cg/cpu/agent/web-1", "cg/cpuacct/agent/web-1", "cg/memory/agent/web-1",
                     "cg/pids/agent/web-1", "cg/blkio/agent/web-1");
  Stats stats;
  auto read = group->readStats(stats);
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_EQ(stats.cpu.usageNs, 180062932u);
  EXPECT_EQ(stats.cpu.throttledPeriods, 3u);
  EXPECT_EQ(stats.memory.usageBytes, 270336u);
  EXPECT_EQ(stats.memory.maxUsageBytes, 1564672u);
  EXPECT_EQ(stats.memory.oomKills, 0u);
  EXPECT_EQ(stats.pids.max, Bound::of(32));
  ASSERT_EQ(stats.io.size(), 1u);
  EXPECT_EQ(stats.io[0].readBytes, 4096u);
  EXPECT_FALSE(stats.cpuPressure);  // no cgroup2 tree on a pure v1 host

  auto limits = group->readLimits();
  ASSERT_TRUE(limits) << limits.error().message();
  EXPECT_EQ(limits->cpu, (CpuQuota{Bound::of(50000), 100000}));
  EXPECT_EQ(limits->cpuShares, 1024u);
  EXPECT_EQ(limits->memoryMax, Bound::of(67108864));
  EXPECT_EQ(limits->pidsMax, Bound::of(32));
}

TEST(CgroupFixture, V1CoMountedWritesLimitsOnce) {
  FixtureTree tree;
  std::string cg = tree.path("cg");
  tree.dir("cg/cpu,cpuacct").dir("cg/memory").dir("cg/pids").symlink("cpu,cpuacct", "cg/cpu");
  Hierarchy h = hierarchyOf("29 25 0:26 / " + cg + "/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n" +
                                "31 25 0:28 / " + cg + "/memory rw - cgroup cgroup rw,memory\n" + "32 25 0:29 / " + cg +
                                "/pids rw - cgroup cgroup rw,pids\n",
                            false, cg);
  auto group =
      Cgroup::create(h, "/agent/db", {Controller::Cpu, Controller::Cpuacct, Controller::Memory, Controller::Pids});
  ASSERT_TRUE(group) << group.error().message();
  EXPECT_EQ(group->dirFor(Controller::Cpu), group->dirFor(Controller::Cpuacct));
  // What a new group's files hold on a real kernel: writers read them first (the order of
  // dependent writes depends on what is there).
  tree.file("cg/cpu,cpuacct/agent/db/cpu.cfs_quota_us", "-1\n");
  tree.file("cg/cpu,cpuacct/agent/db/cpu.cfs_period_us", "100000");
  tree.file("cg/cpu,cpuacct/agent/db/cpu.shares", "1024\n");
  for (const char* f : {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"})
    tree.file(std::string("cg/memory/agent/db/") + f, "9223372036854771712\n");
  tree.file("cg/pids/agent/db/pids.max", "max\n");

  Limits limits;
  limits.cpu = CpuQuota::fromCpus(1.5);
  limits.cpuShares = 512;
  limits.memoryMax = Bound::of(256 << 20);
  limits.swapMax = Bound::of(0);
  limits.pidsMax = Bound::unlimited();
  auto applied = group->applyLimits(limits);
  ASSERT_TRUE(applied) << applied.error().message();
  EXPECT_EQ(tree.read("cg/cpu,cpuacct/agent/db/cpu.cfs_quota_us"), "150000");
  EXPECT_EQ(tree.read("cg/cpu,cpuacct/agent/db/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(tree.read("cg/cpu,cpuacct/agent/db/cpu.shares"), "512");
  EXPECT_EQ(tree.read("cg/memory/agent/db/memory.limit_in_bytes"), "268435456");
  EXPECT_EQ(tree.read("cg/memory/agent/db/memory.memsw.limit_in_bytes"), "268435456");  // memory + 0 swap
  EXPECT_EQ(tree.read("cg/pids/agent/db/pids.max"), "max");

  Limits high;
  high.memoryHigh = Bound::of(1 << 20);
  auto refused = group->applyLimits(high);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().errnum, EOPNOTSUPP);
  EXPECT_NE(refused.error().message().find("cgroup v1 has no equivalent"), std::string::npos);
}

TEST(CgroupFixture, V2EnablesControllersDownThePath) {
  FixtureTree tree;
  std::string cg = tree.path("cg");
  tree.file("cg/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
      .file("cg/cgroup.subtree_control", "")
      .file("cg/agent/cgroup.controllers", "cpu io memory pids\n")
      .file("cg/agent/cgroup.subtree_control", "memory pids\n");
  Hierarchy h = hierarchyOf("30 1 0:26 / " + cg + " rw - cgroup2 cgroup2 rw\n", true, cg,
                            "cpuset cpu io memory hugetlb pids rdma misc\n");
  // As the runtime asks: v2 has no devices controller (a BPF program confines devices there).
  auto group = Cgroup::create(h, "/agent/web-2", h.available(containerControllers()));
  ASSERT_TRUE(group) << group.error().message();
  EXPECT_EQ(tree.read("cg/cgroup.subtree_control"), "+cpu +memory +io +pids");
  // Already enabled controllers are not requested again.
  EXPECT_EQ(tree.read("cg/agent/cgroup.subtree_control").substr(0, 8), "+cpu +io");
  EXPECT_EQ(group->versionOf(Controller::Freezer), CgroupVersion::V2);
  size_t pressureFiles = 0;
  for (const auto& step : group->statsPlan())
    pressureFiles += std::string(step.file).find(".pressure") != std::string::npos;
  EXPECT_EQ(pressureFiles, 3u);

  for (const char* f : {"cpu.stat", "memory.stat", "memory.events", "memory.peak", "memory.current", "pids.max",
                        "cpu.pressure", "memory.pressure", "io.pressure"})
    tree.file(std::string("cg/agent/web-2/") + f, capturedText(std::string("v2/") + f));
  tree.file("cg/agent/web-2/pids.current", "3\n")
      .file("cg/agent/web-2/io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2\n");
  Stats stats;
  auto read = group->readStats(stats);
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_EQ(stats.cpu.usageNs, 801995000u);
  EXPECT_EQ(stats.memory.usageBytes, 21233664u);
  EXPECT_EQ(stats.memory.maxUsageBytes, 22749184u);
  EXPECT_FALSE(stats.memory.swapBytes);  // memory.swap.current absent: unknown, not 0
  EXPECT_EQ(stats.pids.current, 3u);
  ASSERT_TRUE(stats.cpuPressure);
  EXPECT_EQ(stats.cpuPressure->someTotalUs, 451067u);

  tree.file("cg/agent/web-2/cpu.max", "").file("cg/agent/web-2/cpu.weight", "").file("cg/agent/web-2/memory.max", "");
  Limits limits;
  limits.cpu = CpuQuota::fromCpus(0.5);
  limits.cpuShares = 1024;
  limits.memoryMax = Bound::unlimited();
  ASSERT_TRUE(group->applyLimits(limits));
  EXPECT_EQ(tree.read("cg/agent/web-2/cpu.max"), "50000 100000");
  EXPECT_EQ(tree.read("cg/agent/web-2/cpu.weight"), "100");
  EXPECT_EQ(tree.read("cg/agent/web-2/memory.max"), "max");
}

TEST(CgroupFixture, HybridAlsoMakesTheUnifiedDirectory) {
  FixtureTree tree;
  std::string cg = tree.path("cg");
  tree.dir("cg/cpu")
      .dir("cg/freezer")
      .file("cg/unified/cgroup.controllers", "hugetlb\n")
      .file("cg/unified/cgroup.subtree_control", "");
  Hierarchy h = hierarchyOf("32 31 0:29 / " + cg + "/cpu rw - cgroup cgroup rw,cpu\n" + "37 31 0:34 / " + cg +
                                "/freezer rw - cgroup cgroup rw,freezer\n" + "41 31 0:38 / " + cg +
                                "/unified rw - cgroup2 cgroup2 rw\n",
                            false, cg, "hugetlb\n");
  ASSERT_EQ(h.mode(), CgroupMode::Hybrid);
  auto group = Cgroup::create(h, "/t", {Controller::Cpu, Controller::Freezer});
  ASSERT_TRUE(group) << group.error().message();
  EXPECT_TRUE(group->hasUnified());
  EXPECT_TRUE(std::filesystem::is_directory(cg + "/unified/t"));
  EXPECT_EQ(group->versionOf(Controller::Freezer), CgroupVersion::V1);
  // Pressure is read where cpu is a v2 controller, not from a hybrid host's unified tree.
  for (const auto& step : group->statsPlan()) EXPECT_EQ(std::string(step.file).find(".pressure"), std::string::npos);

  tree.file("cg/cpu/t/cgroup.procs", "").file("cg/freezer/t/cgroup.procs", "").file("cg/unified/t/cgroup.procs", "");
  ASSERT_TRUE(group->attach(4242));
  EXPECT_EQ(tree.read("cg/cpu/t/cgroup.procs"), "4242");
  EXPECT_EQ(tree.read("cg/unified/t/cgroup.procs"), "4242");
  auto pids = group->pids();
  ASSERT_TRUE(pids);
  EXPECT_EQ(*pids, std::vector<pid_t>{4242});

  // A kernel's control files vanish with the directory; plain files must go first here.
  for (const char* d : {"cg/cpu/t", "cg/freezer/t", "cg/unified/t"})
    std::filesystem::remove(tree.path(d) + "/cgroup.procs");
  auto removed = group->remove();
  ASSERT_TRUE(removed) << removed.error().message();
  for (const char* d : {"cg/cpu/t", "cg/freezer/t", "cg/unified/t"})
    EXPECT_FALSE(std::filesystem::exists(tree.path(d)));
}

TEST(CgroupFixture, MissingControllerAndBadPathsAreClearErrors) {
  FixtureTree tree;
  std::string cg = tree.path("cg");
  tree.dir("cg/cpu");
  Hierarchy h = hierarchyOf("32 31 0:29 / " + cg + "/cpu rw - cgroup cgroup rw,cpu\n", false, cg);
  auto noMemory = Cgroup::create(h, "/x", {Controller::Memory});
  ASSERT_FALSE(noMemory);
  EXPECT_NE(noMemory.error().message().find("memory controller is not mounted"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(cg + "/cpu/x"));
  for (const char* bad : {"", "/", "x", "/a/../b", "/./a"}) {
    auto r = Cgroup::create(h, bad, {Controller::Cpu});
    EXPECT_FALSE(r) << bad;
  }
  auto gone = Cgroup::open(h, "/never-made", {Controller::Cpu});
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().isGone());
}

TEST(CgroupFixture, VanishedGroupReadsAsGone) {
  FixtureTree tree;
  std::string cg = tree.path("cg");
  tree.dir("cg/pids");
  Hierarchy h = hierarchyOf("39 31 0:36 / " + cg + "/pids rw - cgroup cgroup rw,pids\n", false, cg);
  auto group = Cgroup::create(h, "/short-lived", {Controller::Pids});
  ASSERT_TRUE(group);
  std::filesystem::remove_all(cg + "/pids/short-lived");
  Stats stats;
  auto read = group->readStats(stats);
  ASSERT_FALSE(read);
  EXPECT_TRUE(read.error().isGone());
  EXPECT_NE(read.error().message().find("short-lived/pids.current"), std::string::npos);
}
