// `agentctl limit`'s path below the HTTP layer (LimitService::set -> Reconciler::apply ->
// policies::enforce) on running containers of this kernel: CPU limits changed live hold
// within a few percent, a memory limit OOM-kills a bigger allocation and the kernel's
// counter shows it, a pids limit holds a fork bomb. The same file runs in the cgroup-v2 guest (vm tier).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "HostTestSupport.h"
#include "Limiting.h"

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;

TEST(Limit, CpuLimitsChangedLiveHoldOnABusyContainer) {
  Limiting l;
  auto info = l.agent.run({"sh", "-c", "while :; do :; done"}, "busy");
  auto group = l.group(info);

  EXPECT_EQ(l.limit("busy", "cpu", "50%"), "max -> 50%");
  std::this_thread::sleep_for(300ms);
  double half = measureCpuShare(group, 3000ms);
  std::printf("limit 50%%: measured %.1f%%\n", half * 100);
  EXPECT_GE(half, 0.45);
  EXPECT_LE(half, 0.55);

  EXPECT_EQ(l.limit("busy", "cpu", "25%"), "50% -> 25%");
  std::this_thread::sleep_for(300ms);
  double quarter = measureCpuShare(group, 3000ms);
  std::printf("limit 25%%: measured %.1f%%\n", quarter * 100);
  EXPECT_GE(quarter, 0.20);
  EXPECT_LE(quarter, 0.30);

  EXPECT_EQ(l.limit("busy", "cpu", "max"), "25% -> max");
  std::this_thread::sleep_for(300ms);
  double free = measureCpuShare(group, 3000ms);
  std::printf("limit max: measured %.1f%%\n", free * 100);
  EXPECT_GT(free, 0.90);
  EXPECT_EQ(l.metrics.enforcements("override", "cpu"), 3u);
  (void)l.agent->remove("busy", true);
}

TEST(Limit, AMemoryLimitOomKillsABiggerAllocationAndCountsIt) {
  Limiting l;
  // Waits a moment (the limit goes on first), then holds 200 MiB in tail's line buffer.
  auto info = l.agent.run({"sh", "-c", "sleep 1; head -c 209715200 /dev/zero | tail; sleep 120"}, "hungry");
  auto group = l.group(info);
  EXPECT_EQ(l.limit("hungry", "memory", "64Mi"), "max -> 64Mi");
  cgroup::Stats stats;
  // The allocation grows at the pipe's pace: about 4 s to reach the limit in the v2 guest
  // (software emulation), over 10 s when the host is busy; a fast host is done in a moment.
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(group.readStats(stats));
    if (stats.memory.oomKills.value_or(0) > 0) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_GE(stats.memory.oomKills.value_or(0), 1u) << "the 200 MiB allocation was not OOM-killed";
  EXPECT_LE(stats.memory.usageBytes.value_or(0), 64u << 20);
  auto still = l.agent->inspect("hungry");
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status.state, container::ContainerState::Running) << "only the allocation was killed";
  (void)l.agent->remove("hungry", true);
}

TEST(Limit, APidsLimitHoldsAForkBomb) {
  Limiting l;
  auto info = l.agent.run({"sh", "-c", "sleep 1; f() { f | f & }; f; sleep 120"}, "bomb");
  auto group = l.group(info);
  EXPECT_EQ(l.limit("bomb", "pids", "32"), "max -> 32");
  uint64_t most = 0;
  auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    cgroup::Stats stats;
    if (group.readStats(stats)) most = std::max(most, stats.pids.current.value_or(0));
    std::this_thread::sleep_for(50ms);
  }
  std::printf("fork bomb under pids 32: at most %lu tasks\n", static_cast<unsigned long>(most));
  EXPECT_GE(most, 20u) << "the bomb did not go off";
  EXPECT_LE(most, 32u);
  // The host is unaffected: this process still forks.
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ASSERT_GT(pid, 0);
  ::waitpid(pid, nullptr, 0);
  auto removed = l.agent->remove("bomb", true);
  EXPECT_TRUE(removed) << removed.error().message();
}

TEST(Limit, ARefusedQuantityChangesNothing) {
  Limiting l;
  auto info = l.agent.run({"sleep", "120"}, "calm");
  EXPECT_EQ(l.limit("calm", "cpu", "50%"), "max -> 50%");
  EXPECT_NE(l.limit("calm", "cpu", "0%").find("refused"), std::string::npos);
  auto limits = l.group(info).readLimits();
  ASSERT_TRUE(limits);
  EXPECT_EQ(limits->cpu->quotaUs, cgroup::Bound::of(50000));
  EXPECT_NE(l.limit("nobody", "cpu", "50%").find("not found"), std::string::npos);
  (void)l.agent->remove("calm", true);
}

namespace {
std::string cpuQuotaText(const cgroup::Cgroup& group) {
  const Dir* dir = group.dirFor(cgroup::Controller::Cpu);
  std::ifstream in(dir->path() + (group.versionOf(cgroup::Controller::Cpu) == cgroup::CgroupVersion::V1
                                      ? "/cpu.cfs_quota_us"
                                      : "/cpu.max"));
  std::string word;
  in >> word;
  return word;
}
void writeCpuQuotaByHand(const cgroup::Cgroup& group, const std::string& quota) {
  bool v1 = group.versionOf(cgroup::Controller::Cpu) == cgroup::CgroupVersion::V1;
  std::ofstream(group.dirFor(cgroup::Controller::Cpu)->path() + (v1 ? "/cpu.cfs_quota_us" : "/cpu.max"))
      << (v1 ? quota : quota + " 100000");
}
}  // namespace

TEST(Limit, DriftIsPutBackByThePeriodicPassAndCountedOnce) {
  Limiting l;
  auto info = l.agent.run({"sleep", "120"}, "steady");
  auto group = l.group(info);
  ASSERT_EQ(l.limit("steady", "cpu", "50%"), "max -> 50%");
  ASSERT_TRUE(l.overrides->get(info.config.spec.id)) << "limit stores what took as the override";
  writeCpuQuotaByHand(group, "90000");
  l.reconciler->reconcileAll(true);
  EXPECT_EQ(cpuQuotaText(group), "50000");
  EXPECT_EQ(l.metrics.driftCorrections("cpu"), 1u);
  l.reconciler->reconcileAll(true);  // nothing differs: nothing written
  EXPECT_EQ(l.metrics.driftCorrections("cpu"), 1u);
  EXPECT_EQ(l.metrics.enforcements("override", "cpu"), 2u);
  (void)l.agent->remove("steady", true);
}

TEST(Limit, APolicyReachesAnotherRuntimesCgroupAndABadSetKeepsItEnforced) {
  std::string path;
  Limiting l([&path] { return std::vector<LimitTarget>{{path, path, path, false, {}, false}}; });
  std::string docker = l.agent.parent.path() + "/docker";
  path = docker + "/" + std::string(64, 'e');
  auto group = l.agent.parent.child("docker/" + std::string(64, 'e'));
  ChildProcess sleeper([] {
    ::pause();
    return 0;
  });
  ASSERT_TRUE(group.attach(sleeper.pid()));
  sleeper.release();

  std::string dir = l.agent.scratch.path() + "/policies";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/docker.yaml") << "policies:\n  - name: docker-cap\n    match: {cgroups: [\"" << docker
                                      << "/*\"]}\n    limits: {pids: 32, cpu: 25%}\n";
  ASSERT_TRUE(l.policies->reload());
  l.reconciler->reconcileAll(false);
  auto limits = group.readLimits();
  ASSERT_TRUE(limits);
  EXPECT_EQ(limits->pidsMax, cgroup::Bound::of(32));
  EXPECT_EQ(cpuQuotaText(group), "25000");
  EXPECT_EQ(l.metrics.enforcements("docker-cap", "pids"), 1u);

  // A broken file: refused, and the policy in force still puts drift back.
  std::ofstream(dir + "/docker.yaml") << "policies:\n  - name: docker-cap\n    match: {cgroups: [\"" << docker
                                      << "/*\"]}\n    limits: {pids: 0}\n";
  EXPECT_FALSE(l.policies->reload());
  ASSERT_EQ(l.policies->status().lastErrors.size(), 1u);
  EXPECT_NE(l.policies->status().lastErrors[0].find("docker.yaml:4:20: limits.pids"), std::string::npos)
      << l.policies->status().lastErrors[0];
  writeCpuQuotaByHand(group, "90000");
  l.reconciler->reconcileAll(true);
  EXPECT_EQ(cpuQuotaText(group), "25000");

  // And `limit` by path works on it (an override beats the policy).
  EXPECT_EQ(l.limit(path, "cpu", "40%"), "25% -> 40%");
}

// A limit below what the group uses: the kernel reclaims (here the page cache of a file the
// container wrote) or says why not, and agentctl reports which.
TEST(Limit, AMemoryLimitBelowUsageSaysWhatTheKernelDid) {
  Limiting l;
  auto info =
      l.agent.run({"sh", "-c", "dd if=/dev/zero of=/cache bs=1M count=96 2>/dev/null; sync; sleep 120"}, "cache");
  auto group = l.group(info);
  cgroup::Stats stats;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(group.readStats(stats));
    if (stats.memory.usageBytes.value_or(0) >= (80u << 20)) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_GE(stats.memory.usageBytes.value_or(0), 80u << 20) << "the container's file did not fill its page cache";
  auto target = l.reconciler->resolve("cache", {});
  ASSERT_TRUE(target);
  auto changes = l.reconciler->apply(*target, *policies::limitSetFromJson({{"memory", "32Mi"}}, 2),
                                     policies::LimitSource::override());
  ASSERT_TRUE(changes);
  ASSERT_EQ(changes->size(), 1u);
  const auto& c = changes->front();
  std::printf("memory max -> 32Mi: %s%s\n", c.note.c_str(), c.error.c_str());
  ASSERT_TRUE(group.readStats(stats));
  if (c.written && stats.memory.usageBytes.value_or(0) <= (32u << 20)) {
    EXPECT_NE(c.note.find("the kernel reclaimed memory"), std::string::npos) << c.note;
  } else if (c.written) {
    EXPECT_NE(c.note.find("could not reclaim enough"), std::string::npos) << c.note;
  } else {
    EXPECT_NE(c.error.find("could not reclaim enough memory"), std::string::npos) << c.error;
    EXPECT_EQ(c.after, c.before) << "a refused limit changed";
  }
  (void)l.agent->remove("cache", true);
}
