// What a container leaves when it stops: its cgroups go (in every hierarchy), as Docker's
// do; what it used and whether it was OOM-killed stay in its record; when it started too.
#include <poll.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "ContainerRuntime.h"
#include "HostTestSupport.h"

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// The container's directory in every hierarchy its cgroup was made in.
std::vector<std::string> cgroupDirs(const cgroup::Cgroup& group) {
  std::vector<std::string> dirs;
  for (size_t i = 0; i < cgroup::kControllerCount; ++i) {
    if (const Dir* dir = group.dirFor(static_cast<cgroup::Controller>(i))) dirs.push_back(dir->path());
  }
  if (const auto* unified = HostEnvironment::hierarchy().unifiedMount()) {
    if (fs::exists(unified->mountPoint + group.path())) dirs.push_back(unified->mountPoint + group.path());
  }
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  return dirs;
}

void expectGone(const std::vector<std::string>& dirs, const std::string& when) {
  for (const auto& dir : dirs) EXPECT_FALSE(fs::exists(dir)) << when << ": " << dir << " outlived its container";
}

}  // namespace

TEST(ContainerExit, ItsCgroupsGoWhenItStopsAndWhatItUsedStays) {
  Agent agent;
  // Burns some CPU, then waits to be ended (so its cgroup is seen before it stops).
  auto info =
      agent.run({"sh", "-c", "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; echo looped; exec sleep 60"}, "worker");
  auto group = agent->cgroupOf(info.config);
  ASSERT_TRUE(group) << group.error().message();
  auto dirs = cgroupDirs(*group);
  ASSERT_GE(dirs.size(), 1u);
  auto looped = agent->readLog("worker", logQuery(0, 30s));
  ASSERT_TRUE(looped && streamsApart(looped->chunk.frames).out == "looped\n");
  ASSERT_TRUE(agent->kill("worker", SIGKILL));
  pollfd ready{agent->exitEventsFd(), POLLIN, 0};
  ASSERT_EQ(::poll(&ready, 1, 10000), 1);
  auto events = agent->collectExited();  // agentd's exit handling
  ASSERT_EQ(events.size(), 1u);
  expectGone(dirs, "after its exit");
  auto stopped = agent->inspect("worker");
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->status.state, container::ContainerState::Stopped);
  ASSERT_TRUE(stopped->status.usage);
  const auto& usage = *stopped->status.usage;
  EXPECT_GT(usage.cpuUsageNs.value_or(0), 10'000'000u) << "the loop's CPU time was not kept";
  EXPECT_FALSE(usage.oomKilled());
  if (usage.memoryMaxUsageBytes) {
    EXPECT_GT(*usage.memoryMaxUsageBytes, 0u);
  }
  // When it started stays known after it stopped, before when it finished.
  EXPECT_GT(stopped->status.startedAtUnixMs, 0);
  EXPECT_LE(stopped->status.startedAtUnixMs, stopped->status.exit->finishedAtUnixMs);
  // rm copes with a container whose cgroup is gone.
  auto removed = agent->remove("worker", false);
  ASSERT_TRUE(removed) << removed.error().message();
}

TEST(ContainerExit, AContainerThatStoppedWhileNoAgentWatchedLosesItsCgroupAtReadoption) {
  Agent agent;
  auto info = agent.run({"sh", "-c", "sleep 1; exit 5"}, "while-away");
  auto dirs = cgroupDirs(*agent->cgroupOf(info.config));
  agent.runtime.reset();  // agentd is gone; the shim records the exit on its own
  std::string exitFile = agent.config.stateDir + "/containers/" + info.config.spec.id + "/exit.json";
  for (int i = 0; i < 1000 && !fs::exists(exitFile); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(fs::exists(exitFile));
  for (const auto& dir : dirs) EXPECT_TRUE(fs::exists(dir)) << "nobody was there to remove " << dir;
  agent.restart();
  (void)agent->watchRunning();  // what agentd does at start
  expectGone(dirs, "after re-adoption");
  auto stopped = agent->inspect("while-away");
  ASSERT_TRUE(stopped);
  ASSERT_TRUE(stopped->status.exit);
  EXPECT_EQ(stopped->status.exit->exitCode, 5);
  ASSERT_TRUE(stopped->status.usage);
  EXPECT_TRUE(stopped->status.usage->cpuUsageNs.has_value());
  ASSERT_TRUE(agent->remove("while-away", false));
}

TEST(ContainerExit, AnOomKilledContainerSaysSo) {
  Agent agent;
  container::RunRequest request;
  request.image = "busybox";
  request.name = "hungry";
  // No newline ever: tail keeps it all. It starts once the test has seen the cgroup and
  // closed the way into swap (an allocation that fast ends before run() returns).
  request.args = {"sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done; exec tail /dev/zero"};
  request.limits.memoryMax = cgroup::Bound::of(32u << 20);
  auto info = agent->run(request);
  ASSERT_TRUE(info) << info.error().message();
  auto group = agent->cgroupOf(info->config);
  ASSERT_TRUE(group);
  if (auto limits = group->readLimits(); limits && limits->swapMax) {
    cgroup::Limits noSwap;
    noSwap.swapMax = cgroup::Bound::of(0);  // no escape into swap
    (void)group->applyLimits(noSwap);
  }
  ASSERT_TRUE(info->status.pid);
  std::ofstream(fs::path("/proc") / std::to_string(info->status.pid->pid) / "root/tmp/go") << "";
  auto exit = agent->waitForExit("hungry", 30s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exitCode, 137);
  auto stopped = agent->inspect("hungry");
  ASSERT_TRUE(stopped);
  ASSERT_TRUE(stopped->status.usage);
  EXPECT_TRUE(stopped->status.usage->oomKilled()) << "the OOM kill was not recorded";
  EXPECT_GE(stopped->status.usage->oomKills.value_or(0), 1u);
  expectGone(cgroupDirs(*group), "after the OOM kill");
  // Killed by a signal, not by the OOM killer: not OOM-killed.
  agent.run({"sleep", "30"}, "killed");
  ASSERT_TRUE(agent->kill("killed", SIGKILL));
  auto killed = agent->waitForExit("killed", 5s);
  ASSERT_TRUE(killed);
  EXPECT_EQ(killed->exitCode, 137);
  auto record = agent->inspect("killed");
  ASSERT_TRUE(record && record->status.usage);
  EXPECT_FALSE(record->status.usage->oomKilled());
  ASSERT_TRUE(agent->remove("hungry", false));
  ASSERT_TRUE(agent->remove("killed", false));
}

TEST(ContainerExit, RmRemovesWhatIsLeftOfACgroupInSomeHierarchiesOnly) {
  Agent agent;
  auto info = agent.run({"true"}, "half-removed");
  ASSERT_TRUE(agent->waitForExit("half-removed", 5s));
  auto stopped = agent->inspect("half-removed");  // settles it: its cgroup is gone
  ASSERT_TRUE(stopped);
  // A removal cut short: the directory is back in one hierarchy.
  const auto* cpu = HostEnvironment::hierarchy().mountFor(cgroup::Controller::Cpu);
  ASSERT_NE(cpu, nullptr);
  std::string leftover = cpu->mountPoint + info.config.cgroupPath;
  ASSERT_TRUE(fs::create_directory(leftover));
  auto removed = agent->remove("half-removed", false);
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_FALSE(fs::exists(leftover));
}

TEST(ContainerExit, ARunWhoseShimCannotStartLeavesNothing) {
  // What running out of descriptors or a missing agent-shim do: no shim, nothing ran.
  Agent agent;
  agent.config.shimPath = "/nonexistent/agent-shim";
  agent.restart();
  container::RunRequest request;
  request.image = "busybox";
  request.name = "never";
  request.args = {"true"};
  auto ran = agent->run(request);
  ASSERT_FALSE(ran);
  EXPECT_NE(ran.error().message().find("agent-shim"), std::string::npos) << ran.error().message();
  auto list = agent->list();
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty()) << "a container that never started stays as "
                             << container::stateName(list->front().status.state);
  const auto* cpu = HostEnvironment::hierarchy().mountFor(cgroup::Controller::Cpu);
  ASSERT_NE(cpu, nullptr);
  std::error_code ec;
  size_t groups = 0;
  for (const auto& e : fs::directory_iterator(cpu->mountPoint + agent.config.cgroupParent, ec))
    groups += e.is_directory();
  EXPECT_EQ(groups, 0u) << "its cgroup stayed";
  EXPECT_TRUE(fs::is_empty(agent.config.dataDir + "/containers")) << "its layer directory stayed";
}
