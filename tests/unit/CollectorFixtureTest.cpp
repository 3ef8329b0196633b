// The collector on fixture hosts (a cgroup2 host and a v1 host, built from files captured on
// real kernels): the walk, the classification, what is exported, and the values read.
#include <gtest/gtest.h>
#include <unistd.h>

#include "Collector.h"
#include "FixtureTree.h"

namespace agent::collectors {
namespace {

using agent::fixture::capturedText;
using agent::fixture::FixtureTree;

const std::string kDocker = "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";
const std::string kAgent = "5f163af13c16efe8d868d2fc6ee9b570";

const CgroupSample* find(const Snapshot& s, const std::string& path) {
  for (const auto& c : s.cgroups)
    if (c.path == path) return &c;
  return nullptr;
}

// A cgroup2 directory with the files captured from the guest kernel.
void v2Group(FixtureTree& tree, const std::string& dir) {
  for (const char* f : {"cpu.stat", "memory.stat", "memory.events", "memory.peak", "memory.current", "pids.max",
                        "cpu.max", "cpu.weight", "cgroup.events"})
    tree.file(dir + "/" + f, capturedText(std::string("v2/") + f));
  tree.file(dir + "/cgroup.procs", "").file(dir + "/pids.current", "2\n").file(dir + "/memory.max", "max\n");
  tree.file(dir + "/memory.high", "max\n").file(dir + "/memory.swap.max", "max\n");
}

cgroup::Hierarchy v2Host(const std::string& root) {
  auto h = cgroup::Hierarchy::fromMounts(proc::parseMountinfo("30 1 0:26 / " + root + " rw - cgroup2 cgroup2 rw\n"),
                                         root, true, "cpu io memory pids\n");
  EXPECT_TRUE(h) << h.error().message();
  return *h;
}

TEST(CollectorFixture, V2HostWalkClassifyAndExport) {
  FixtureTree tree;
  std::string root = tree.path("cg");
  tree.file("cg/cgroup.procs", "1\n");
  for (const std::string& dir : std::vector<std::string>{
           "cg/agent/" + kAgent, "cg/system.slice/docker-" + kDocker + ".scope", "cg/system.slice/ssh.service",
           "cg/kubepods/besteffort/podx/" + kDocker, "cg/deep/a/b/c/d"}) {
    v2Group(tree, dir);
  }
  tree.file("cg/agent/cgroup.procs", "").file("cg/system.slice/cgroup.procs", "").file("cg/kubepods/cgroup.procs", "");

  CollectorConfig config;
  config.agentParent = "/agent";
  config.maxDepth = 4;
  Collector collector(v2Host(root), config, tree.path("no-proc"));
  auto snapshot = collector.collect({{kAgent,
                                      {.name = "web-1",
                                       .image = "busybox",
                                       .labels = {{"tier", "web"}},
                                       .state = "running",
                                       .createdAtUnixMs = 1'700'000'000'000,
                                       .cgroupPath = "/agent/" + kAgent}}});

  ASSERT_NE(find(*snapshot, "/"), nullptr);
  const auto* agent = find(*snapshot, "/agent/" + kAgent);
  ASSERT_NE(agent, nullptr);
  EXPECT_EQ(agent->name, "web-1");
  EXPECT_EQ(agent->image, "busybox");
  EXPECT_EQ(agent->agentState, "running");
  EXPECT_EQ(agent->startTimeSeconds, 1'700'000'000);
  EXPECT_EQ(agent->stats.cpu.usageNs, 801995000u);
  EXPECT_EQ(agent->stats.memory.usageBytes, 21233664u);
  EXPECT_EQ(agent->stats.pids.current, 2u);
  ASSERT_TRUE(agent->limits.cpu);
  const auto* docker = find(*snapshot, "/system.slice/docker-" + kDocker + ".scope");
  ASSERT_NE(docker, nullptr);
  EXPECT_EQ(docker->name, kDocker.substr(0, 12));
  EXPECT_EQ(docker->classification.runtime, Runtime::Docker);
  ASSERT_NE(find(*snapshot, "/kubepods/besteffort/podx/" + kDocker), nullptr);
  // Containers only: not the systemd unit, not the slices, not the deep groups.
  EXPECT_EQ(find(*snapshot, "/system.slice/ssh.service"), nullptr);
  EXPECT_EQ(find(*snapshot, "/system.slice"), nullptr);
  EXPECT_EQ(snapshot->cgroups.size(), 4u);
  // Walked: everything down to depth 4; the fifth level is counted as cut.
  EXPECT_EQ(snapshot->cgroupsCutAtDepth, 1u);
  EXPECT_EQ(snapshot->cgroupMode, "unified");

  config.exportMode = ExportMode::All;
  config.ignoreGlobs = {"/deep*", "/kubepods/*"};
  Collector all(v2Host(root), config, tree.path("no-proc"));
  auto everything = all.collect({});
  EXPECT_NE(find(*everything, "/system.slice/ssh.service"), nullptr);
  EXPECT_NE(find(*everything, "/system.slice"), nullptr);
  EXPECT_EQ(find(*everything, "/deep/a"), nullptr);
  EXPECT_EQ(find(*everything, "/kubepods/besteffort/podx/" + kDocker), nullptr);
  EXPECT_NE(find(*everything, "/kubepods"), nullptr);  // the glob takes what is below it
  // The agent container without agent metadata still gets its short id as the name.
  EXPECT_EQ(find(*everything, "/agent/" + kAgent)->name, kAgent.substr(0, 12));
}

// The agent's standby containers (prepared, not containers yet) have cgroups under its parent
// named like containers. They are not exported, not counted in agent_cgroups, not among the
// paths policies match; one the runtime already lists has become a container and is exported.
TEST(CollectorFixture, StandbyCgroupsAreNeitherExportedNorCounted) {
  FixtureTree tree;
  std::string root = tree.path("cg");
  tree.file("cg/cgroup.procs", "1\n").file("cg/agent/cgroup.procs", "");
  const std::string standbyA(32, 'a'), standbyB(32, 'b'), becoming(32, 'c');
  for (const auto& id : {kAgent, standbyA, standbyB, becoming}) v2Group(tree, "cg/agent/" + id);
  CollectorConfig config;
  config.agentParent = "/agent";
  Collector collector(v2Host(root), config, tree.path("no-proc"));
  AgentContainers known = {
      {kAgent, {.name = "web-1", .image = "busybox", .state = "running", .createdAtUnixMs = 1'700'000'000'000}},
      {becoming, {.name = "new", .image = "busybox", .state = "running", .createdAtUnixMs = 1'700'000'000'000}}};
  StandbyCgroups standby = {"/agent/" + standbyA, "/agent/" + standbyB, "/agent/" + becoming,
                            "/agent/" + std::string(32, 'd')};  // not made yet
  auto snapshot = collector.collect(known, standby);
  EXPECT_NE(find(*snapshot, "/agent/" + kAgent), nullptr);
  EXPECT_NE(find(*snapshot, "/agent/" + becoming), nullptr) << "listed by the runtime: a container now";
  EXPECT_EQ(find(*snapshot, "/agent/" + standbyA), nullptr);
  EXPECT_EQ(find(*snapshot, "/agent/" + standbyB), nullptr);
  EXPECT_EQ(snapshot->cgroups.size(), 3u);  // /, and the two containers
  // /, /agent and four groups below it, less the two standby ones.
  EXPECT_EQ(snapshot->cgroupsOnHost, 4u);
  EXPECT_EQ(snapshot->standbyContainers, 4u);
  ASSERT_TRUE(snapshot->allPaths);
  EXPECT_EQ(*snapshot->allPaths, (std::vector<std::string>{"/", "/agent", "/agent/" + kAgent, "/agent/" + becoming}));
  // Without standby containers everything under the parent counts (another agent's groups,
  // a collector of its own).
  auto plain = collector.collect(known);
  EXPECT_EQ(plain->cgroupsOnHost, 6u);
  EXPECT_EQ(plain->standbyContainers, 0u);
  EXPECT_NE(find(*plain, "/agent/" + standbyA), nullptr);
}

// A group's start is the start of its oldest process (field 22 of /proc/<pid>/stat, in ticks
// since boot, plus btime of /proc/stat), never the cgroup directory's times. Agent containers
// have their recorded start.
TEST(CollectorFixture, StartTimeIsTheOldestProcesssStartOrTheRecordedOne) {
  FixtureTree tree;
  std::string root = tree.path("cg");
  tree.file("cg/cgroup.procs", "1\n").file("cg/agent/cgroup.procs", "").file("cg/docker/cgroup.procs", "");
  v2Group(tree, "cg/docker/" + kDocker);
  tree.file("cg/docker/" + kDocker + "/cgroup.procs", "4242\n30166\n4243\n");  // 4243 has exited
  v2Group(tree, "cg/agent/" + kAgent);
  tree.file("cg/agent/" + kAgent + "/cgroup.procs", "30166\n");
  v2Group(tree, "cg/docker/" + std::string(64, 'e'));  // no processes
  tree.file("proc/stat", capturedText("proc/kernel-stat"));
  tree.file("proc/30166/stat", capturedText("proc/stat"));  // starttime 36431
  std::string later = capturedText("proc/stat");
  later.replace(later.find(" 36431 "), 7, " 99999 ");
  tree.file("proc/4242/stat", later);

  Collector collector(v2Host(root), {}, tree.path("proc"));
  auto snapshot = collector.collect({{kAgent,
                                      {.name = "web-1",
                                       .image = "busybox",
                                       .state = "running",
                                       .createdAtUnixMs = 1'700'000'000'000,
                                       .startedAtUnixMs = 1'700'000'001'250}}});
  const auto* docker = find(*snapshot, "/docker/" + kDocker);
  ASSERT_NE(docker, nullptr);
  double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  EXPECT_DOUBLE_EQ(docker->startTimeSeconds, 1796035187 + 36431 / ticks);
  const auto* agent = find(*snapshot, "/agent/" + kAgent);
  ASSERT_NE(agent, nullptr);
  EXPECT_DOUBLE_EQ(agent->startTimeSeconds, 1'700'000'001.25) << "its recorded start";
  const auto* empty = find(*snapshot, "/docker/" + std::string(64, 'e'));
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->startTimeSeconds, 0) << "no process: unknown, the series is left out";

  // The oldest process exits: the group's start stays what it was.
  tree.file("cg/docker/" + kDocker + "/cgroup.procs", "4242\n");
  tree.file("cg/docker/" + kDocker + "/cpu.stat", "usage_usec 1\n");  // it ran: read in full
  auto after = collector.collect({});
  ASSERT_NE(find(*after, "/docker/" + kDocker), nullptr);
  EXPECT_DOUBLE_EQ(find(*after, "/docker/" + kDocker)->startTimeSeconds, 1796035187 + 36431 / ticks);
  // Started before PID 1 ran: its creation.
  Collector fresh(v2Host(root), {}, tree.path("proc"));
  auto created = fresh.collect(
      {{kAgent, {.name = "web-1", .image = "busybox", .state = "created", .createdAtUnixMs = 1'700'000'000'000}}});
  EXPECT_DOUBLE_EQ(find(*created, "/agent/" + kAgent)->startTimeSeconds, 1'700'000'000);
}

TEST(CollectorFixture, V1HostMergesHierarchiesByPath) {
  FixtureTree tree;
  std::string cg = tree.path("cg");
  std::string mountinfo;
  int id = 32;
  for (const char* c : {"cpu", "cpuacct", "memory", "pids"}) {
    tree.file(std::string("cg/") + c + "/cgroup.procs", "1\n");
    mountinfo += std::to_string(id) + " 31 0:" + std::to_string(id) + " / " + cg + "/" + c + " rw - cgroup cgroup rw," +
                 c + "\n";
    ++id;
  }
  // The container exists in every hierarchy; a unit only in pids (systemd makes some paths
  // in a few hierarchies only): one logical cgroup each.
  std::string group = "docker/" + kDocker;
  for (const char* f : {"cpu.stat", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.shares"})
    tree.file("cg/cpu/" + group + "/" + f, capturedText(std::string("v1/") + f));
  for (const char* f : {"cpuacct.usage", "cpuacct.stat"})
    tree.file("cg/cpuacct/" + group + "/" + f, capturedText(std::string("v1/") + f));
  for (const char* f : {"memory.usage_in_bytes", "memory.stat", "memory.oom_control", "memory.limit_in_bytes"})
    tree.file("cg/memory/" + group + "/" + f, capturedText(std::string("v1/") + f));
  for (const char* c : {"cpu", "cpuacct", "memory", "pids"}) {
    tree.file(std::string("cg/") + c + "/" + group + "/cgroup.procs", "");
    tree.file(std::string("cg/") + c + "/docker/cgroup.procs", "");
  }
  tree.file("cg/pids/" + group + "/pids.current", "4\n").file("cg/pids/" + group + "/pids.max", "max\n");
  tree.file("cg/pids/system.slice/cron.service/cgroup.procs", "").file("cg/pids/system.slice/cgroup.procs", "");
  auto h = cgroup::Hierarchy::fromMounts(proc::parseMountinfo(mountinfo), cg, false, "");
  ASSERT_TRUE(h) << h.error().message();

  CollectorConfig config;
  config.exportMode = ExportMode::All;
  Collector collector(*h, config, tree.path("no-proc"));
  auto snapshot = collector.collect({});
  const auto* docker = find(*snapshot, "/" + group);
  ASSERT_NE(docker, nullptr);
  EXPECT_EQ(docker->stats.cpu.usageNs, 180062932u);
  EXPECT_EQ(docker->stats.memory.usageBytes, 270336u);
  EXPECT_EQ(docker->stats.pids.current, 4u);
  EXPECT_EQ(docker->stats.memory.oomKills, 0u);
  // Only in the pids hierarchy: still found, with what that hierarchy has.
  const auto* cron = find(*snapshot, "/system.slice/cron.service");
  ASSERT_NE(cron, nullptr);
  EXPECT_FALSE(cron->stats.cpu.usageNs);
  EXPECT_EQ(snapshot->cgroupMode, "v1");
  EXPECT_EQ(snapshot->cgroupsOnHost, 5u);  // /, /docker, /docker/<id>, /system.slice, /system.slice/cron.service
}

}  // namespace
}  // namespace agent::collectors
