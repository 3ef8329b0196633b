// Create, attach, list, limits round trip, a vanished group, and the probe's verdict.
#include "HostTestSupport.h"

#include <linux/magic.h>
#include <sys/vfs.h>

#include <array>
#include <cstdio>

#include "ProcFs.h"

using namespace agent;
using namespace agent::hosttest;

TEST(Lifecycle, AttachListsThePidInEveryHierarchy) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("life");
  ChildProcess child(busyLoop);
  ASSERT_TRUE(group.attach(child.pid()));
  auto pids = group.pids();
  ASSERT_TRUE(pids);
  EXPECT_EQ(*pids, std::vector<pid_t>{child.pid()});
  // /proc/<pid>/cgroup agrees, one line for every hierarchy the group lives in.
  auto memberships = proc::ProcFs().readCgroup(child.pid());
  ASSERT_TRUE(memberships);
  size_t matched = 0;
  for (const auto& m : *memberships) matched += m.path == group.path();
  EXPECT_EQ(matched, group.hierarchyCount());
  EXPECT_GE(group.hierarchyCount(), 1u);
}

TEST(Lifecycle, AllLimitsRoundTrip) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("limits");
  cgroup::Limits limits;
  limits.cpu = cgroup::CpuQuota::fromCpus(1.5);
  limits.cpuShares = 1024;
  limits.memoryMax = cgroup::Bound::of(64ull << 20);
  limits.pidsMax = cgroup::Bound::of(100);
  auto applied = group.applyLimits(limits);
  ASSERT_TRUE(applied) << applied.error().message();
  auto read = group.readLimits();
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_EQ(read->cpu, limits.cpu);
  EXPECT_EQ(read->cpuShares, 1024u);
  EXPECT_EQ(read->memoryMax, limits.memoryMax);
  EXPECT_EQ(read->pidsMax, limits.pidsMax);

  cgroup::Limits bad;
  bad.pidsMax = cgroup::Bound::of(0);
  bad.cpu = cgroup::CpuQuota{cgroup::Bound::of(100), 100};  // period below the kernel's 1 ms minimum
  auto refused = group.applyLimits(bad);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find(group.path()), std::string::npos) << refused.error().message();
}

TEST(Lifecycle, RemovedGroupReadsAsGone) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("gone");
  auto other = cgroup::Cgroup::open(HostEnvironment::hierarchy(), group.path(),
                                    HostEnvironment::hierarchy().available(cgroup::containerControllers()));
  ASSERT_TRUE(other);
  ASSERT_TRUE(group.remove());
  cgroup::Stats stats;
  auto read = other->readStats(stats);
  ASSERT_FALSE(read);
  EXPECT_TRUE(read.error().isGone()) << read.error().message();
}

TEST(Lifecycle, ProbeReportsTheModeStatfsImplies) {
  struct statfs root {
  }, unified{};
  ASSERT_EQ(::statfs("/sys/fs/cgroup", &root), 0);
  std::string expected = "v1";
  if (root.f_type == CGROUP2_SUPER_MAGIC)
    expected = "unified";
  else if (::statfs("/sys/fs/cgroup/unified", &unified) == 0 && unified.f_type == CGROUP2_SUPER_MAGIC)
    expected = "hybrid";

  FILE* probe = ::popen(AGENT_BIN_DIR "/agentd probe", "r");
  ASSERT_NE(probe, nullptr);
  std::string output;
  std::array<char, 4096> chunk;
  while (size_t n = std::fread(chunk.data(), 1, chunk.size(), probe)) output.append(chunk.data(), n);
  EXPECT_EQ(::pclose(probe), 0);
  std::printf("%s", output.c_str());
  EXPECT_NE(output.find("cgroup mode: " + expected + "\n"), std::string::npos) << output;
  EXPECT_NE(output.find("kernel: Linux"), std::string::npos);
  EXPECT_NE(output.find("namespaces:"), std::string::npos);
}
