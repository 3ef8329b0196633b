#include <gtest/gtest.h>

#include "FixtureTree.h"
#include "Hierarchy.h"

using namespace agent::cgroup;
using agent::fixture::capturedText;
using agent::fixture::FixtureTree;
using agent::proc::parseMountinfo;

namespace {
// Ubuntu 18.04 / RHEL 7 style: controllers co-mounted, with cpu and cpuacct symlinks.
constexpr const char* kCoMountedV1 =
    "25 24 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:23 / /sys/fs/cgroup/systemd rw shared:10 - cgroup cgroup rw,xattr,name=systemd\n"
    "29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw shared:13 - cgroup cgroup rw,cpu,cpuacct\n"
    "30 25 0:27 / /sys/fs/cgroup/net_cls,net_prio rw shared:14 - cgroup cgroup rw,net_cls,net_prio\n"
    "31 25 0:28 / /sys/fs/cgroup/memory rw shared:15 - cgroup cgroup rw,memory\n"
    "32 25 0:29 / /sys/fs/cgroup/pids rw shared:16 - cgroup cgroup rw,pids\n"
    "33 25 0:30 / /sys/fs/cgroup/blkio rw shared:17 - cgroup cgroup rw,blkio\n"
    "34 25 0:31 / /sys/fs/cgroup/freezer rw shared:18 - cgroup cgroup rw,freezer\n";
}  // namespace

TEST(Hierarchy, HybridAsOnThisHost) {
  auto h =
      Hierarchy::fromMounts(parseMountinfo(capturedText("v1/mountinfo.hybrid")), "/sys/fs/cgroup", false, "hugetlb\n");
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_EQ(h->mode(), CgroupMode::Hybrid);
  ASSERT_TRUE(h->mountFor(Controller::Cpu));
  EXPECT_EQ(h->mountFor(Controller::Cpu)->mountPoint, "/sys/fs/cgroup/cpu");
  EXPECT_EQ(h->mountFor(Controller::Cpu)->version, CgroupVersion::V1);
  EXPECT_EQ(h->mountFor(Controller::Cpuacct)->mountPoint, "/sys/fs/cgroup/cpuacct");
  EXPECT_EQ(h->mountFor(Controller::Io)->mountPoint, "/sys/fs/cgroup/blkio");
  ASSERT_TRUE(h->mountFor(Controller::Hugetlb));
  EXPECT_EQ(h->mountFor(Controller::Hugetlb)->version, CgroupVersion::V2);
  EXPECT_EQ(h->mountFor(Controller::Hugetlb)->mountPoint, "/sys/fs/cgroup/unified");
  EXPECT_EQ(h->mountFor(Controller::NetCls), nullptr);
  EXPECT_EQ(h->v1Mounts().size(), 8u);  // name=systemd carries no controller
}

TEST(Hierarchy, CoMountedV1SharesOneMount) {
  auto h = Hierarchy::fromMounts(parseMountinfo(kCoMountedV1), "/sys/fs/cgroup", false, "");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->mode(), CgroupMode::V1);
  ASSERT_TRUE(h->mountFor(Controller::Cpu) && h->mountFor(Controller::Cpuacct));
  EXPECT_EQ(*h->mountFor(Controller::Cpu), *h->mountFor(Controller::Cpuacct));
  EXPECT_EQ(h->mountFor(Controller::Cpu)->mountPoint, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(h->mountFor(Controller::NetPrio)->mountPoint, "/sys/fs/cgroup/net_cls,net_prio");
  EXPECT_EQ(h->mountFor(Controller::Hugetlb), nullptr);
  EXPECT_EQ(h->unifiedMount(), nullptr);
  EXPECT_EQ(h->v1Mounts().size(), 6u);
}

TEST(Hierarchy, UnifiedFromGuestCapture) {
  auto h = Hierarchy::fromMounts(parseMountinfo(capturedText("v2/mountinfo")), "/sys/fs/cgroup", true,
                                 "cpuset cpu io memory hugetlb pids rdma misc\n");
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_EQ(h->mode(), CgroupMode::Unified);
  for (Controller c : {Controller::Cpu, Controller::Memory, Controller::Pids, Controller::Io, Controller::Cpuacct,
                       Controller::Freezer}) {
    ASSERT_TRUE(h->mountFor(c)) << displayName(c);
    EXPECT_EQ(h->mountFor(c)->version, CgroupVersion::V2);
    EXPECT_EQ(h->mountFor(c)->mountPoint, "/sys/fs/cgroup");
  }
  EXPECT_EQ(h->mountFor(Controller::Devices), nullptr);  // v2 does devices with BPF
  EXPECT_TRUE(h->v1Mounts().empty());
}

TEST(Hierarchy, UnifiedIgnoresStrayV1MountAndPrefersMountUnderRoot) {
  auto mounts = parseMountinfo(
      "30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"
      "31 1 0:26 /machine.slice /var/lib/x/cgroup rw - cgroup2 cgroup2 rw\n"
      "40 1 0:40 / /tmp/legacy rw - cgroup cgroup rw,net_cls\n");
  auto h = Hierarchy::fromMounts(mounts, "/sys/fs/cgroup", true, "cpu memory pids io");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->mode(), CgroupMode::Unified);
  EXPECT_EQ(h->unifiedMount()->mountPoint, "/sys/fs/cgroup");
  EXPECT_EQ(h->mountFor(Controller::NetCls), nullptr);
}

TEST(Hierarchy, NoCgroupsIsAClearError) {
  auto h = Hierarchy::fromMounts(parseMountinfo("22 1 0:21 / /proc rw - proc proc rw\n"), "/sys/fs/cgroup", false, "");
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().message().find("cgroup"), std::string::npos);
}

TEST(Hierarchy, DetectReadsFixtureProcAndUnifiedControllers) {
  FixtureTree tree;
  std::string cg = tree.path("cgroup");
  tree.file("proc/self/mountinfo", "31 23 0:28 / " + cg + " rw - tmpfs tmpfs rw\n" + "32 31 0:29 / " + cg +
                                       "/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n" + "33 31 0:30 / " + cg +
                                       "/memory rw - cgroup cgroup rw,memory\n" + "41 31 0:38 / " + cg +
                                       "/unified rw - cgroup2 cgroup2 rw\n")
      .file("proc/self/cgroup", "3:memory:/user.slice\n2:cpu,cpuacct:/\n0::/user.slice/session-1.scope\n")
      .file("cgroup/unified/cgroup.controllers", "hugetlb pids\n")
      .dir("cgroup/cpu,cpuacct")
      .dir("cgroup/memory")
      .symlink("cpu,cpuacct", "cgroup/cpu")
      .symlink("cpu,cpuacct", "cgroup/cpuacct");
  auto h = Hierarchy::detect({tree.path("proc"), cg});
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_EQ(h->mode(), CgroupMode::Hybrid);
  EXPECT_EQ(h->mountFor(Controller::Pids)->version, CgroupVersion::V2);
  EXPECT_EQ(h->mountFor(Controller::Cpu)->mountPoint, cg + "/cpu,cpuacct");
  ASSERT_EQ(h->selfCgroups().size(), 3u);
  EXPECT_EQ(h->selfCgroups()[2].path, "/user.slice/session-1.scope");
}

TEST(Hierarchy, DetectThisHost) {
  // Whatever this machine is, detection must succeed and agree with statfs.
  auto h = Hierarchy::detect();
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_TRUE(h->mountFor(Controller::Cpu) || h->mode() == CgroupMode::Unified);
}
