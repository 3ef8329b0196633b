// The collector on this kernel: what it exports for a container equals the cgroup files the
// kernel shows for it (v1 here; v2 in the vm tier), and the inventory finds what it should.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "Collector.h"
#include "ContainerRuntime.h"
#include "HostTestSupport.h"
#include "MetricsRenderer.h"

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string fileText(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// "key value" lines: the value of `key`.
uint64_t keyed(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string k;
  uint64_t v;
  while (in >> k >> v)
    if (k == key) return v;
  return UINT64_MAX;
}

const collectors::CgroupSample* find(const collectors::Snapshot& s, const std::string& path) {
  for (const auto& c : s.cgroups)
    if (c.path == path) return &c;
  return nullptr;
}

collectors::AgentContainers known(const container::ContainerRuntime& runtime) {
  collectors::AgentContainers out;
  auto list = runtime.list();
  if (!list) return out;
  for (const auto& c : *list) {
    out[c.config.spec.id] = {.name = c.config.name,
                             .image = c.config.image,
                             .labels = c.config.labels,
                             .state = std::string(container::stateName(c.status.state)),
                             .createdAtUnixMs = c.config.createdAtUnixMs,
                             .cgroupPath = c.config.cgroupPath};
  }
  return out;
}

}  // namespace

TEST(Collector, AContainersExportedValuesEqualItsCgroupFiles) {
  Agent agent;
  container::ContainerRuntime& runtime = *agent;
  const auto& config = agent.config;
  const TestParent& parent = agent.parent;

  container::RunRequest request;
  request.image = "busybox";
  request.name = "busy";
  request.args = {"sh", "-c", "while :; do :; done"};
  request.limits.cpu = cgroup::CpuQuota::fromCpus(0.5);
  request.limits.memoryMax = cgroup::Bound::of(64 << 20);
  request.limits.pidsMax = cgroup::Bound::of(20);
  auto info = runtime.run(request);
  ASSERT_TRUE(info) << info.error().message();
  // Removed however the test ends: a frozen container left behind would outlive it.
  struct Remove {
    container::ContainerRuntime& runtime;
    ~Remove() { (void)runtime.remove("busy", true); }
  } removeAtEnd{runtime};
  std::this_thread::sleep_for(300ms);
  // Frozen, its counters hold still while the collector and this test read them.
  ASSERT_TRUE(runtime.pause("busy"));
  auto group = runtime.cgroupOf(info->config);
  ASSERT_TRUE(group);

  collectors::CollectorConfig containersOnly;
  containersOnly.agentParent = config.cgroupParent;
  collectors::Collector collector(HostEnvironment::hierarchy(), containersOnly);
  auto snapshot = collector.collect(known(runtime));
  const auto* busy = find(*snapshot, info->config.cgroupPath);
  ASSERT_NE(busy, nullptr) << "the container's cgroup was not exported";
  EXPECT_EQ(busy->classification.runtime, collectors::Runtime::Agent);
  EXPECT_EQ(busy->name, "busy");
  EXPECT_EQ(busy->image, "busybox");
  EXPECT_EQ(busy->agentState, "paused");

  using cgroup::CgroupVersion;
  using cgroup::Controller;
  std::string cpuDir = group->dirFor(Controller::Cpu)->path();
  std::string memDir = group->dirFor(Controller::Memory)->path();
  std::string pidsDir = group->dirFor(Controller::Pids)->path();
  ASSERT_TRUE(busy->stats.cpu.usageNs);
  ASSERT_TRUE(busy->stats.memory.usageBytes);
  if (group->versionOf(Controller::Cpu) == CgroupVersion::V1) {
    std::string acctDir = group->dirFor(Controller::Cpuacct)->path();
    EXPECT_EQ(*busy->stats.cpu.usageNs, std::stoull(fileText(acctDir + "/cpuacct.usage")));
    EXPECT_EQ(fileText(cpuDir + "/cpu.cfs_quota_us"), "50000");
  } else {
    EXPECT_EQ(*busy->stats.cpu.usageNs / 1000, keyed(fileText(cpuDir + "/cpu.stat"), "usage_usec"));
    EXPECT_EQ(fileText(cpuDir + "/cpu.max"), "50000 100000");
  }
  EXPECT_GT(*busy->stats.cpu.usageNs, 50'000'000u) << "it spun for 300 ms";
  // Memory usage is no still counter, even frozen: the kernel charges and uncharges in per-CPU
  // batches of MEMCG_CHARGE_BATCH (64) pages, and v1's usage_in_bytes counts those batches
  // ("a fuzz value for efficient access", Documentation/admin-guide/cgroup-v1/memory.rst
  // 5.5). CI saw 520192 read by the collector and 487424 by the test a moment later.
  std::string usageFile =
      group->versionOf(Controller::Memory) == CgroupVersion::V1 ? "/memory.usage_in_bytes" : "/memory.current";
  auto slack = static_cast<double>(64 * ::sysconf(_SC_PAGESIZE) * ::sysconf(_SC_NPROCESSORS_ONLN));
  EXPECT_NEAR(static_cast<double>(*busy->stats.memory.usageBytes),
              static_cast<double>(std::stoull(fileText(memDir + usageFile))), slack);
  EXPECT_EQ(busy->stats.pids.current, std::stoull(fileText(pidsDir + "/pids.current")));
  ASSERT_TRUE(busy->limits.cpu);
  EXPECT_EQ(busy->limits.cpu->quotaUs, cgroup::Bound::of(50000));
  EXPECT_EQ(busy->limits.memoryMax, cgroup::Bound::of(64 << 20));
  EXPECT_EQ(busy->stats.pids.max, cgroup::Bound::of(20));
  EXPECT_EQ(busy->processes, 1u);
  ASSERT_TRUE(busy->freezer);
  EXPECT_EQ(*busy->freezer, cgroup::FreezerState::Frozen);
  // Its own network namespace: only lo, counted there.
  ASSERT_EQ(busy->network.size(), 1u);
  EXPECT_EQ(busy->network[0].interface, "lo");
  struct stat netns {};
  ASSERT_EQ(::stat(("/proc/" + std::to_string(info->status.pid->pid) + "/ns/net").c_str(), &netns), 0);
  bool sawNet = false;
  for (const auto& n : busy->namespaces) {
    if (n.type == "net") {
      EXPECT_EQ(n.inode, netns.st_ino);
      sawNet = true;
    }
  }
  EXPECT_TRUE(sawNet);

  // What Prometheus reads is the same numbers.
  std::string text = collectors::renderMetrics(*snapshot, {"test", {}});
  std::string labels = "{id=\"" + info->config.cgroupPath + "\",name=\"busy\",image=\"busybox\"}";
  EXPECT_NE(text.find("container_spec_cpu_quota" + labels + " 50000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("container_spec_memory_limit_bytes" + labels + " 67108864\n"), std::string::npos);
  EXPECT_NE(text.find("container_threads_max" + labels + " 20\n"), std::string::npos);
  EXPECT_NE(text.find("agent_container_frozen{id=\"" + info->config.cgroupPath + "\",name=\"busy\"} 1\n"),
            std::string::npos);

  // The root is always there; the test's own parent is no container, so only `export: all` shows it.
  ASSERT_NE(find(*snapshot, "/"), nullptr);
  EXPECT_EQ(find(*snapshot, parent.path()), nullptr);
  collectors::Collector everything(HostEnvironment::hierarchy(),
                                   {config.cgroupParent, collectors::ExportMode::All, 32, {}});
  auto all = everything.collect({});
  EXPECT_NE(find(*all, parent.path()), nullptr);
  EXPECT_NE(find(*all, config.cgroupParent), nullptr);
  collectors::Collector ignoring(HostEnvironment::hierarchy(),
                                 {config.cgroupParent, collectors::ExportMode::All, 32, {parent.path() + "*"}});
  auto some = ignoring.collect({});
  EXPECT_EQ(find(*some, parent.path()), nullptr);
  EXPECT_EQ(find(*some, info->config.cgroupPath), nullptr);
  EXPECT_GE(all->cgroupsOnHost, 3u);

  ASSERT_TRUE(runtime.remove("busy", true));
  // Gone from the next snapshot; the collector lets its handle go.
  auto after = collector.collect(known(runtime));
  EXPECT_EQ(find(*after, info->config.cgroupPath), nullptr);
}

// Idle groups are not read again each cycle (their CPU time says nothing ran), yet what
// changes shows in the next snapshot: a limit written by someone else, and CPU time.
TEST(Collector, AnIdleGroupShowsAWrittenLimitAndNewCpuTimeInTheNextCycle) {
  TestParent parent;
  std::string id(32, 'a');
  auto group = parent.child("agent/" + id);
  // Sleeps, spins for 100 ms, then sleeps again.
  ChildProcess child([] {
    ::usleep(700'000);
    auto until = std::chrono::steady_clock::now() + 100ms;
    while (std::chrono::steady_clock::now() < until) {
    }
    ::pause();
    return 0;
  });
  ASSERT_TRUE(group.attach(child.pid()));
  child.release();

  collectors::CollectorConfig config;
  config.agentParent = parent.path() + "/agent";
  config.idleRefreshEvery = 1000;  // never refreshed for age during the test
  collectors::Collector collector(HostEnvironment::hierarchy(), config);
  std::string path = parent.path() + "/agent/" + id;
  ASSERT_NE(find(*collector.collect({}), path), nullptr);
  auto idle = collector.collect({});
  const auto* before = find(*idle, path);
  ASSERT_NE(before, nullptr);
  ASSERT_TRUE(before->stats.cpu.usageNs);
  EXPECT_FALSE(before->limits.pidsMax && before->limits.pidsMax->value) << "no pids limit yet";

  cgroup::Limits limits;
  limits.pidsMax = cgroup::Bound::of(77);
  ASSERT_TRUE(group.applyLimits(limits));
  auto written = collector.collect({});
  ASSERT_NE(find(*written, path), nullptr);
  EXPECT_EQ(find(*written, path)->limits.pidsMax, cgroup::Bound::of(77)) << "the write was not noticed";

  std::this_thread::sleep_for(1200ms);  // it has spun by now
  auto ran = collector.collect({});
  ASSERT_NE(find(*ran, path), nullptr);
  ASSERT_TRUE(find(*ran, path)->stats.cpu.usageNs);
  // More than before (by how much depends on what else the machine runs), and what the file says.
  EXPECT_GT(*find(*ran, path)->stats.cpu.usageNs, *before->stats.cpu.usageNs);
  EXPECT_EQ(*find(*ran, path)->stats.cpu.usageNs, cpuUsageNs(group)) << "CPU time is read every cycle";
}
