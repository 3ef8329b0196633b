#include <gtest/gtest.h>

#include "BootClock.h"
#include "FixtureTree.h"
#include "Mountinfo.h"
#include "NetDev.h"
#include "ProcCgroup.h"
#include "ProcFs.h"
#include "ProcStat.h"
#include "ProcStatus.h"

using namespace agent::proc;
using agent::fixture::capturedText;

TEST(ProcStat, ParsesCapturedLine) {
  auto stat = parseProcStat(capturedText("proc/stat"));
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->pid, 30166);
  EXPECT_EQ(stat->comm, "cat");
  EXPECT_EQ(stat->state, 'R');
  EXPECT_EQ(stat->ppid, 30096);
  EXPECT_EQ(stat->numThreads, 1);
  EXPECT_EQ(stat->startTimeTicks, 36431u);
  EXPECT_EQ(stat->vsizeBytes, 3133440u);
  EXPECT_EQ(stat->rssPages, 394);
}

TEST(ProcStat, CommandNameWithParenthesesAndSpaces) {
  auto stat = parseProcStat(
      "42 (evil) (name ) S 1 42 42 0 -1 4194560 0 0 0 0 7 3 0 0 20 0 2 0 12345 1000 5 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->comm, "evil) (name ");
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->utimeTicks, 7u);
  EXPECT_EQ(stat->stimeTicks, 3u);
  EXPECT_EQ(stat->numThreads, 2);
  EXPECT_EQ(stat->startTimeTicks, 12345u);
}

TEST(ProcStat, RejectsTruncatedLine) {
  EXPECT_FALSE(parseProcStat("42 (x) S 1 2"));
  EXPECT_FALSE(parseProcStat(""));
  EXPECT_FALSE(parseProcStat("abc (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1"));
}

TEST(ProcStatus, ParsesCapturedFile) {
  auto status = parseProcStatus(capturedText("proc/status"));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->name, "cat");
  EXPECT_TRUE(status->pid.has_value());
  EXPECT_TRUE(status->ppid.has_value());
  EXPECT_EQ(status->uid, 0u);
  EXPECT_EQ(status->threads, 1u);
  ASSERT_FALSE(status->nsPids.empty());
  EXPECT_EQ(status->nsPids.front(), *status->pid);
  ASSERT_TRUE(status->vmRssBytes);
  EXPECT_GT(*status->vmRssBytes, 0u);
}

TEST(ProcStatus, NestedPidNamespaces) {
  auto status =
      parseProcStatus("Name:\tsh\nState:\tS (sleeping)\nPid:\t4242\nNSpid:\t4242\t1\nUid:\t1000\t1000\t1000\t1000\n");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, 'S');
  EXPECT_EQ(status->uid, 1000u);
  EXPECT_EQ(status->nsPids, (std::vector<pid_t>{4242, 1}));
  EXPECT_FALSE(status->vmRssBytes);  // kernel threads have no VmRSS line
}

TEST(ProcCgroup, HybridHostLines) {
  auto memberships = parseProcCgroup(capturedText("proc/cgroup.hybrid"));
  ASSERT_EQ(memberships.size(), 10u);
  EXPECT_EQ(memberships[0].hierarchyId, 9);
  EXPECT_EQ(memberships[0].controllers, std::vector<std::string>{"name=systemd"});
  EXPECT_EQ(memberships[5].controllers, std::vector<std::string>{"memory"});
  EXPECT_EQ(memberships[5].path.rfind("/process_api/", 0), 0u);
  EXPECT_TRUE(memberships[9].isUnified());
  EXPECT_EQ(memberships[9].path, "/");
}

TEST(ProcCgroup, CoMountedAndColonInPath) {
  auto memberships = parseProcCgroup("4:cpu,cpuacct:/a:b\n0::/system.slice/x.service\ngarbage\n");
  ASSERT_EQ(memberships.size(), 2u);
  EXPECT_EQ(memberships[0].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(memberships[0].path, "/a:b");
  EXPECT_EQ(memberships[1].path, "/system.slice/x.service");
}

TEST(Mountinfo, HybridHostCgroupMounts) {
  auto mounts = parseMountinfo(capturedText("v1/mountinfo.hybrid"));
  int v1 = 0, v2 = 0;
  for (const auto& m : mounts) {
    if (m.fsType == "cgroup") ++v1;
    if (m.fsType == "cgroup2") {
      ++v2;
      EXPECT_EQ(m.mountPoint, "/sys/fs/cgroup/unified");
    }
    if (m.mountPoint == "/sys/fs/cgroup/memory") {
      EXPECT_TRUE(m.hasSuperOption("memory"));
      EXPECT_FALSE(m.hasSuperOption("mem"));
      EXPECT_EQ(m.root, "/");
    }
  }
  EXPECT_EQ(v1, 9);
  EXPECT_EQ(v2, 1);
}

TEST(Mountinfo, OptionalFieldsAndEscapes) {
  auto mounts = parseMountinfo(
      "36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n"
      "40 31 0:37 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n"
      "broken line\n");
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].mountPoint, "/mnt/with space");
  EXPECT_EQ(mounts[0].fsType, "ext3");
  EXPECT_EQ(mounts[0].major, 98u);
  EXPECT_TRUE(mounts[1].hasSuperOption("cpu"));
  EXPECT_TRUE(mounts[1].hasSuperOption("cpuacct"));
}

TEST(NetDev, ParsesCapturedFile) {
  auto interfaces = parseNetDev(capturedText("proc/net.dev"));
  ASSERT_GE(interfaces.size(), 2u);
  EXPECT_EQ(interfaces[0].interface, "lo");
  EXPECT_EQ(interfaces[0].rxBytes, 3267u);
  EXPECT_EQ(interfaces[0].rxPackets, 29u);
  EXPECT_EQ(interfaces[0].txBytes, 3267u);
  const auto& eth0 = interfaces.back();
  EXPECT_EQ(eth0.interface, "eth0");
  EXPECT_EQ(eth0.rxBytes, 112496707u);
  EXPECT_EQ(eth0.txPackets, 1271u);
}

TEST(ProcFs, ReadsFixtureTreeAndReportsGonePids) {
  agent::fixture::FixtureTree tree;
  tree.file("proc/77/stat", "77 (sleep) S 1 77 77 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 999 100 10 0\n")
      .file("proc/77/cgroup", "0::/agent/x\n")
      .dir("proc/self")
      .dir("proc/sys");
  ProcFs procfs(tree.path("proc"));
  auto stat = procfs.readStat(77);
  ASSERT_TRUE(stat) << stat.error().message();
  EXPECT_EQ(stat->startTimeTicks, 999u);
  auto cgroups = procfs.readCgroup(77);
  ASSERT_TRUE(cgroups);
  EXPECT_EQ((*cgroups)[0].path, "/agent/x");
  auto missing = procfs.readStat(78);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().isGone());
  EXPECT_NE(missing.error().message().find("/78/stat"), std::string::npos);
  auto pids = procfs.listPids();
  ASSERT_TRUE(pids);
  EXPECT_EQ(*pids, std::vector<pid_t>{77});
}

// A process's start as Unix time: btime of /proc/stat plus field 22 of /proc/<pid>/stat in
// clock ticks, as ps computes it. Both captured on this host.
TEST(BootClock, AProcessStartIsTheBootTimePlusItsStartTicks) {
  auto btime = parseBootTimeSeconds(capturedText("proc/kernel-stat"));
  ASSERT_TRUE(btime);
  EXPECT_EQ(*btime, 1796035187);
  auto stat = parseProcStat(capturedText("proc/stat"));
  ASSERT_TRUE(stat);
  BootClock clock{*btime, 100};
  EXPECT_DOUBLE_EQ(clock.unixSecondsOf(stat->startTimeTicks), 1796035187 + 364.31);  // 36431 ticks
  EXPECT_EQ(clock.unixSecondsOf(0), 1796035187.0);
  // Another USER_HZ (some architectures use 1024): the ticks are divided by it.
  EXPECT_DOUBLE_EQ((BootClock{1000, 1024}.unixSecondsOf(2048 + 512)), 1002.5);
  // Read from a proc root; a file without btime is an error that names it.
  agent::fixture::FixtureTree tree;
  tree.file("proc/stat", capturedText("proc/kernel-stat"));
  tree.file("bare/stat", "cpu  1 2 3\nctxt 5\n");
  EXPECT_EQ(ProcFs(tree.path("proc")).readBootTimeSeconds().value_or(0), 1796035187);
  auto none = ProcFs(tree.path("bare")).readBootTimeSeconds();
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("btime"), std::string::npos) << none.error().message();
  EXPECT_FALSE(parseBootTimeSeconds("btime x\n"));
  EXPECT_FALSE(parseBootTimeSeconds(""));
}
