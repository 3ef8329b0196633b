// Rows of `agentctl stats` from two hand-made snapshots: CPU % as the usage's change over the
// time between them (100 = one CPU), throttling over the CFS periods, docker's memory usage
// and limit, lo left out of the network, and which containers each scope shows.
#include "ContainerStats.h"

#include <gtest/gtest.h>

#include "Collector.h"

namespace agent::collectors {
namespace {

const std::string kWebId = std::string(32, 'a');
const std::string kDockerId = "d0" + std::string(62, 'c');

CgroupSample agentSample(uint64_t cpuNs, uint64_t periods, uint64_t throttled) {
  CgroupSample s;
  s.path = "/agent/" + kWebId;
  s.classification = {Runtime::Agent, kWebId, kWebId.substr(0, 12)};
  s.name = "web";
  s.image = "busybox";
  s.agentState = "running";
  s.stats.cpu.usageNs = cpuNs;
  s.stats.cpu.periods = periods;
  s.stats.cpu.throttledPeriods = throttled;
  s.stats.memory.usageBytes = 10 << 20;
  s.stats.memory.workingSetBytes = 6 << 20;
  s.limits.memoryMax = cgroup::Bound::of(24 << 20);
  s.stats.pids.current = 3;
  s.stats.pids.max = cgroup::Bound::of(100);
  s.namespaces = {{"net", 4026532000}};
  s.network = {{"lo", 5000, 5, 0, 0, 5000, 5, 0, 0}, {"eth0", 1500, 3, 0, 0, 700, 2, 0, 0}};
  s.stats.io.push_back({8, 0, 4096, 8192, 1, 2});
  s.stats.io.push_back({8, 16, 1000, std::nullopt, 1, std::nullopt});
  return s;
}

CgroupSample dockerSample(uint64_t cpuNs) {
  CgroupSample s;
  s.path = "/docker/" + kDockerId;
  s.classification = {Runtime::Docker, kDockerId, kDockerId.substr(0, 12)};
  s.name = "db";
  s.stats.cpu.usageNs = cpuNs;
  s.stats.memory.usageBytes = 1 << 20;  // no working set known: usage it is
  s.freezer = cgroup::FreezerState::Frozen;
  return s;
}

CgroupSample plainGroup() {
  CgroupSample s;
  s.path = "/system.slice/cron.service";
  s.classification = {Runtime::Systemd, "cron.service", "cron.service"};
  s.name = "cron.service";
  s.stats.cpu.usageNs = 1;
  return s;
}

Snapshot snapshotAt(int64_t unixMs, std::vector<CgroupSample> samples) {
  Snapshot s;
  s.takenAtUnixMs = unixMs;
  s.machineMemoryBytes = 8ull << 30;
  s.machineCpuCores = 2;
  CgroupSample root;
  root.path = "/";
  root.classification = {Runtime::Root, "", "/"};
  s.cgroups.push_back(root);
  for (auto& sample : samples) s.cgroups.push_back(std::move(sample));
  auto agent = std::make_shared<AgentContainers>();
  (*agent)[kWebId] = AgentContainerInfo{.name = "web", .image = "busybox", .state = "running"};
  (*agent)[std::string(32, 'b')] = AgentContainerInfo{.name = "old", .image = "busybox", .state = "stopped"};
  s.agentContainers = agent;
  return s;
}

TEST(ContainerStats, CpuPercentIsTheUsageChangeOverTheWindowWithOneCpuAs100) {
  // 0.5 s of CPU in 1 s: 50%, the figure `top` and docker show for half a CPU.
  auto before = snapshotAt(1'000'000, {agentSample(2'000'000'000, 100, 10), dockerSample(0)});
  auto now = snapshotAt(1'001'000, {agentSample(2'500'000'000, 110, 20), dockerSample(3'000'000'000)});
  auto rows = statsRows(now, &before, StatsScope::AllContainers);
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_TRUE(rows[0].cpuPercent);
  EXPECT_DOUBLE_EQ(*rows[0].cpuPercent, 50.0);
  ASSERT_TRUE(rows[1].cpuPercent);
  EXPECT_DOUBLE_EQ(*rows[1].cpuPercent, 300.0);  // three CPUs busy: 300%, as docker
  // Throttled in all 10 of the window's periods.
  ASSERT_TRUE(rows[0].throttledPercent);
  EXPECT_DOUBLE_EQ(*rows[0].throttledPercent, 100.0);
}

TEST(ContainerStats, AWindowOfTwoSecondsHalvesTheRate) {
  auto before = snapshotAt(1'000'000, {agentSample(0, 0, 0)});
  auto now = snapshotAt(1'002'000, {agentSample(1'000'000'000, 20, 5)});
  auto rows = statsRows(now, &before, StatsScope::Agent);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(rows[0].cpuPercent.value_or(-1), 50.0);
  EXPECT_DOUBLE_EQ(rows[0].throttledPercent.value_or(-1), 25.0);
}

TEST(ContainerStats, RatesAreUnknownWithoutAPreviousSampleOrWhenTheCounterWentBack) {
  auto now = snapshotAt(1'001'000, {agentSample(500, 10, 0), dockerSample(9)});
  auto first = statsRows(now, nullptr, StatsScope::Agent);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(first[0].cpuPercent);
  EXPECT_FALSE(first[0].throttledPercent);
  // A new container (not in the previous snapshot), and one whose group was made anew.
  auto before = snapshotAt(1'000'000, {dockerSample(100)});
  auto rows = statsRows(now, &before, StatsScope::AllContainers);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0].cpuPercent);
  EXPECT_FALSE(rows[1].cpuPercent);
  // No CFS period passed (no quota): not throttled.
  auto idleBefore = snapshotAt(1'000'000, {agentSample(100, 0, 0)});
  auto idleNow = snapshotAt(1'001'000, {agentSample(100, 0, 0)});
  auto idle = statsRows(idleNow, &idleBefore, StatsScope::Agent);
  EXPECT_DOUBLE_EQ(idle[0].cpuPercent.value_or(-1), 0.0);
  EXPECT_DOUBLE_EQ(idle[0].throttledPercent.value_or(-1), 0.0);
}

TEST(ContainerStats, MemoryIsTheWorkingSetOverTheLimitOrTheHostsMemory) {
  auto now = snapshotAt(1'000'000, {agentSample(0, 0, 0), dockerSample(0)});
  auto rows = statsRows(now, nullptr, StatsScope::AllContainers);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].memoryUsageBytes, 6u << 20);
  EXPECT_EQ(rows[0].memoryLimitBytes, 24u << 20);
  EXPECT_TRUE(rows[0].memoryLimited);
  EXPECT_DOUBLE_EQ(rows[0].memoryPercent.value_or(-1), 25.0);
  EXPECT_EQ(rows[1].memoryUsageBytes, 1u << 20);
  EXPECT_EQ(rows[1].memoryLimitBytes, 8ull << 30);
  EXPECT_FALSE(rows[1].memoryLimited);
}

TEST(ContainerStats, PidsNetworkWithoutLoBlockIoAndState) {
  auto now = snapshotAt(1'000'000, {agentSample(0, 0, 0), dockerSample(0)});
  auto rows = statsRows(now, nullptr, StatsScope::AllContainers);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].pids, 3u);
  EXPECT_EQ(rows[0].pidsLimit, 100u);
  EXPECT_EQ(rows[0].netRxBytes, 1500u);
  EXPECT_EQ(rows[0].netTxBytes, 700u);
  EXPECT_EQ(rows[0].blockReadBytes, 5096u);
  EXPECT_EQ(rows[0].blockWriteBytes, 8192u);
  EXPECT_EQ(rows[0].state, "running");
  EXPECT_EQ(rows[0].image, "busybox");
  // The docker one: frozen reads as paused; what it lacks stays unknown.
  EXPECT_EQ(rows[1].state, "paused");
  EXPECT_EQ(rows[1].runtime, Runtime::Docker);
  EXPECT_FALSE(rows[1].pids);
  EXPECT_FALSE(rows[1].pidsLimit);
  EXPECT_EQ(rows[1].blockReadBytes, 0u);
  EXPECT_EQ(rows[1].netRxBytes, 0u);
}

TEST(ContainerStats, TheAgentScopeShowsOnlyOursAndNeverPlainGroups) {
  auto now = snapshotAt(1'000'000, {agentSample(0, 0, 0), dockerSample(0), plainGroup()});
  auto ours = statsRows(now, nullptr, StatsScope::Agent);
  ASSERT_EQ(ours.size(), 1u);
  EXPECT_EQ(ours[0].name, "web");
  auto all = statsRows(now, nullptr, StatsScope::AllContainers);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].name, "db");
}

TEST(ContainerStats, OneContainerByIdPrefixNameOrAnotherEnginesIdNameOrPath) {
  auto before = snapshotAt(1'000'000, {agentSample(0, 0, 0), dockerSample(0)});
  auto now = snapshotAt(1'001'000, {agentSample(250'000'000, 0, 0), dockerSample(0)});
  for (const std::string& ref : {kWebId, std::string("aaaa"), std::string("web"), "/agent/" + kWebId}) {
    auto found = statsRowFor(now, &before, ref);
    ASSERT_TRUE(found.row) << ref;
    EXPECT_EQ(found.row->name, "web");
    EXPECT_DOUBLE_EQ(found.row->cpuPercent.value_or(-1), 25.0);
  }
  for (const std::string& ref : {kDockerId, kDockerId.substr(0, 12), std::string("db"), "/docker/" + kDockerId}) {
    auto found = statsRowFor(now, &before, ref);
    ASSERT_TRUE(found.row) << ref;
    EXPECT_EQ(found.row->name, "db");
  }
  // Too short a prefix of another engine's id, or nothing at all.
  EXPECT_FALSE(statsRowFor(now, &before, kDockerId.substr(0, 6)).row);
  EXPECT_FALSE(statsRowFor(now, &before, "nosuch").row);
  EXPECT_FALSE(statsRowFor(now, &before, "").row);
}

TEST(ContainerStats, AStoppedContainerOfOursShowsItsStateOnly) {
  auto now = snapshotAt(1'000'000, {agentSample(0, 0, 0)});
  auto found = statsRowFor(now, nullptr, "old");
  ASSERT_TRUE(found.row);
  EXPECT_EQ(found.row->state, "stopped");
  EXPECT_EQ(found.row->cgroupPath, "");
  EXPECT_FALSE(found.row->memoryUsageBytes);
  EXPECT_FALSE(found.row->cpuPercent);
}

TEST(ContainerStats, APrefixOfSeveralOfOursNamesThemAll) {
  auto now = snapshotAt(1'000'000, {agentSample(0, 0, 0)});
  auto agent = std::make_shared<AgentContainers>(*now.agentContainers);
  (*agent)["ab" + std::string(30, '0')] = AgentContainerInfo{.name = "other", .state = "stopped"};
  (*agent)["ac" + std::string(30, '0')] = AgentContainerInfo{.name = "third", .state = "stopped"};
  now.agentContainers = agent;
  auto found = statsRowFor(now, nullptr, "a");
  EXPECT_FALSE(found.row);
  EXPECT_EQ(found.matches.size(), 3u);
}

}  // namespace
}  // namespace agent::collectors
