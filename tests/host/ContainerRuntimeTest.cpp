// The container lifecycle on this kernel, through ContainerRuntime as agentd uses it.
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "ContainerRuntime.h"
#include "HostTestSupport.h"
#include "Namespaces.h"

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

uint64_t usageOf(const cgroup::Cgroup& group) {
  return cpuUsageNs(group);
}

}  // namespace

TEST(Runtime, ExitCodeIsKeptAndInspectable) {
  Agent agent;
  auto info = agent.run({"sh", "-c", "exit 7"}, "seven");
  auto exit = agent->waitForExit("seven", 5s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exitCode, 7)
      << exit->error << "\n"
      << std::ifstream(agent.config.stateDir + "/containers/" + info.config.spec.id + "/pid.json").rdbuf();
  auto again = agent->inspect(info.shortId());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status.state, container::ContainerState::Stopped);
  ASSERT_TRUE(again->status.exit);
  EXPECT_EQ(again->status.exit->exitCode, 7);
}

TEST(Runtime, ExecJoinsExactlyPid1sNamespaces) {
  Agent agent;
  auto info = agent.run({"sleep", "30"}, "host-of-exec");
  ASSERT_TRUE(info.status.pid);
  auto result = agent->exec("host-of-exec", {"sh", "-c",
                                             "for t in cgroup ipc mnt net pid uts; do readlink /proc/self/ns/$t; done; "
                                             "echo to-stderr >&2; exit 5"});
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->exitCode, 5);
  EXPECT_EQ(result->stderrText, "to-stderr\n");
  auto pid1 = ns::readNamespaces("/proc", info.status.pid->pid);
  ASSERT_TRUE(pid1);
  std::string expected;
  for (const char* type : {"cgroup", "ipc", "mnt", "net", "pid", "uts"}) {
    for (const auto& id : *pid1)
      if (id.type == type) expected += std::string(type) + ":[" + std::to_string(id.inode) + "]\n";
  }
  EXPECT_EQ(result->stdoutText, expected);
  auto missing = agent->exec("host-of-exec", {"no-such-command"});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->exitCode, 127);
  ASSERT_TRUE(agent->remove("host-of-exec", true));
}

TEST(Runtime, AnExecdProcessStartsWithDefaultSignalsInASessionOfItsOwn) {
  Agent agent;
  agent.run({"sleep", "30"}, "exec-signals");
  AgentdSignalState agentd;
  // With agentd's mask, SIGTERM stayed pending: the shell slept its 5 s and exited 0.
  auto started = std::chrono::steady_clock::now();
  auto termed = agent->exec("exec-signals", {"sh", "-c", "kill -TERM $$; sleep 5"});
  ASSERT_TRUE(termed) << termed.error().message();
  EXPECT_EQ(termed->exitCode, 128 + SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  auto status = agent->exec("exec-signals", {"cat", "/proc/self/status"});
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_NE(status->stdoutText.find("SigBlk:\t0000000000000000\n"), std::string::npos) << status->stdoutText;
  EXPECT_NE(status->stdoutText.find("SigIgn:\t0000000000000000\n"), std::string::npos) << status->stdoutText;
  // A signal to its process group stays with it: agentd's group (this test's) was its group,
  // and SIGUSR1 there ended agentd.
  auto grouped = agent->exec("exec-signals", {"sh", "-c", "kill -USR1 0; exit 3"});
  ASSERT_TRUE(grouped) << grouped.error().message();
  EXPECT_EQ(grouped->exitCode, 128 + SIGUSR1);
  ASSERT_TRUE(agent->remove("exec-signals", true));
}

TEST(Runtime, PauseStopsCpuUseAndResumeRestartsIt) {
  Agent agent;
  auto info = agent.run({"sh", "-c", "while :; do :; done"}, "spinner");
  auto group = agent->cgroupOf(info.config);
  ASSERT_TRUE(group);
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(agent->pause("spinner"));
  EXPECT_EQ(agent->inspect("spinner")->status.state, container::ContainerState::Paused);
  uint64_t u0 = usageOf(*group);
  std::this_thread::sleep_for(1s);
  uint64_t u1 = usageOf(*group);
  EXPECT_EQ(u1, u0) << "a paused container used CPU";
  ASSERT_TRUE(agent->resume("spinner"));
  std::this_thread::sleep_for(300ms);
  EXPECT_GT(usageOf(*group), u1 + 100'000'000) << "no CPU after resume";
  // Stopping a paused container thaws it first; sh as PID 1 ignores SIGTERM, so SIGKILL ends it.
  ASSERT_TRUE(agent->pause("spinner"));
  auto stopped = agent->stop("spinner", 300ms);
  ASSERT_TRUE(stopped) << stopped.error().message();
  EXPECT_EQ(stopped->status.state, container::ContainerState::Stopped);
  EXPECT_EQ(stopped->status.exit->exitCode, 137);
}

TEST(Runtime, BadInputIsRefusedAndChangesNothing) {
  Agent agent;
  auto keeper = agent.run({"sleep", "30"}, "keeper");
  auto before = agent->list();
  ASSERT_TRUE(before);

  auto refused = [&](container::RunRequest request, int errnum, const std::string& says) {
    auto r = agent->run(request);
    ASSERT_FALSE(r) << request.name;
    EXPECT_EQ(r.error().errnum, errnum) << r.error().message();
    EXPECT_NE(r.error().message().find(says), std::string::npos) << r.error().message();
  };
  container::RunRequest base;
  base.image = "busybox";
  base.args = {"true"};
  for (const std::string& bad :
       {std::string("a/b"), std::string(".."), std::string("x..y"), std::string("a\0b", 3), std::string(129, 'n')}) {
    auto request = base;
    request.name = bad;
    refused(request, EINVAL, "container name");
  }
  auto duplicate = base;
  duplicate.name = "keeper";
  refused(duplicate, EEXIST, "is taken by container");
  auto unknownImage = base;
  unknownImage.image = "nope";
  refused(unknownImage, ENOENT, "no such image");
  auto escapeImage = base;
  escapeImage.image = "../busybox";
  refused(escapeImage, EINVAL, "image name");

  auto missingCommand = base;
  missingCommand.name = "no-command";
  missingCommand.args = {"no-such-command"};
  auto ran = agent->run(missingCommand);
  ASSERT_TRUE(ran) << ran.error().message();
  EXPECT_EQ(ran->status.state, container::ContainerState::Stopped);
  ASSERT_TRUE(ran->status.exit);
  EXPECT_EQ(ran->status.exit->exitCode, 127);
  EXPECT_NE(ran->status.exit->error.find("command not found in the image"), std::string::npos);
  ASSERT_TRUE(agent->remove("no-command", false));

  EXPECT_EQ(agent->inspect("unknown").error().errnum, ENOENT);
  EXPECT_EQ(agent->remove("keeper", false).error().errnum, EBUSY);

  auto after = agent->list();
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), before->size());
  EXPECT_EQ(after->front().status.state, container::ContainerState::Running);
  EXPECT_EQ(after->front().status.pid->pid, keeper.status.pid->pid);
  ASSERT_TRUE(agent->remove("keeper", true));
}

TEST(Runtime, ANewRuntimeReadoptsRunningAndExitedContainers) {
  Agent agent;
  std::vector<container::ContainerInfo> started;
  for (int i = 0; i < 4; ++i) started.push_back(agent.run({"sleep", "30"}, "long-" + std::to_string(i)));
  started.push_back(agent.run({"sh", "-c", "sleep 1; exit 3"}, "short"));
  agent.runtime.reset();  // agentd is gone; the shims are not
  // `short` ends meanwhile, its shim records it (a slow guest may take more than its 1 s).
  std::string shortExit = agent.config.stateDir + "/containers/" + started.back().config.spec.id + "/exit.json";
  for (int i = 0; i < 1000 && !fs::exists(shortExit); ++i) std::this_thread::sleep_for(10ms);
  agent.restart();
  auto list = agent->list();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 5u);
  for (const auto& info : *list) {
    if (info.config.name == "short") {
      EXPECT_EQ(info.status.state, container::ContainerState::Stopped);
      ASSERT_TRUE(info.status.exit);
      EXPECT_EQ(info.status.exit->exitCode, 3);
      continue;
    }
    EXPECT_EQ(info.status.state, container::ContainerState::Running) << info.config.name;
    for (const auto& before : started) {
      if (before.config.spec.id == info.config.spec.id) {
        EXPECT_EQ(info.status.pid->pid, before.status.pid->pid);
      }
    }
  }
  for (const auto& info : *list) {
    auto removed = agent->remove(info.config.spec.id, true);
    ASSERT_TRUE(removed) << removed.error().message();
  }
}

TEST(Runtime, APausedContainerCanBeRemovedAndStopped) {
  Agent agent;
  agent.run({"sleep", "30"}, "paused-rm");
  ASSERT_TRUE(agent->pause("paused-rm"));
  auto removed = agent->remove("paused-rm", true);
  ASSERT_TRUE(removed) << removed.error().message();
  agent.run({"sleep", "30"}, "paused-kill");
  ASSERT_TRUE(agent->pause("paused-kill"));
  ASSERT_TRUE(agent->kill("paused-kill", SIGKILL));
  auto exit = agent->waitForExit("paused-kill", 5s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exitCode, 137);
}

TEST(Runtime, RemoveLeavesNoCgroupMountOrDirectory) {
  Agent agent;
  auto info = agent.run({"sleep", "30"}, "doomed");
  auto group = agent->cgroupOf(info.config);
  ASSERT_TRUE(group);
  std::vector<std::string> cgroupDirs;
  for (cgroup::Controller c : {cgroup::Controller::Cpu, cgroup::Controller::Memory, cgroup::Controller::Pids}) {
    cgroupDirs.push_back(group->dirFor(c)->path());
  }
  std::string layers = info.config.spec.layerDir;
  std::string state = agent.config.stateDir + "/containers/" + info.config.spec.id;
  ASSERT_TRUE(agent->remove("doomed", true));
  for (const auto& dir : cgroupDirs) EXPECT_FALSE(fs::exists(dir)) << dir;
  EXPECT_FALSE(fs::exists(layers));
  EXPECT_FALSE(fs::exists(state));
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string mounts((std::istreambuf_iterator<char>(mountinfo)), std::istreambuf_iterator<char>());
  EXPECT_EQ(mounts.find(info.config.spec.id), std::string::npos);
  EXPECT_EQ(agent->inspect("doomed").error().errnum, ENOENT);
  // The files themselves are deleted in the background, from the trash directories.
  agent->drainTrash();
  EXPECT_TRUE(fs::is_empty(agent.config.dataDir + "/trash"));
  EXPECT_TRUE(fs::is_empty(agent.config.stateDir + "/trash"));
}

TEST(Runtime, FilesLeftInTheTrashByACrashAreDeletedAtStart) {
  Agent agent;
  fs::create_directories(agent.config.dataDir + "/trash/abc.1.1/upper/deep");
  std::ofstream(agent.config.dataDir + "/trash/abc.1.1/upper/deep/file") << "x";
  agent.restart();
  agent->drainTrash();
  EXPECT_TRUE(fs::is_empty(agent.config.dataDir + "/trash"));
}

TEST(Runtime, AFollowerIsWokenByOutputAndByTheExitNotByATimeout) {
  Agent agent;
  agent.run({"sh", "-c", "sleep 0.3; echo late; sleep 0.3; exit 4"}, "slow-talker");
  auto started = std::chrono::steady_clock::now();
  auto first = agent->readLog("slow-talker", logQuery(0, 10s));
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(streamsApart(first->chunk.frames).out, "late\n");
  EXPECT_TRUE(first->running);
  auto last = agent->readLog("slow-talker", logQuery(first->chunk.position, 10s));
  ASSERT_TRUE(last) << last.error().message();
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(last->chunk.frames, "");
  EXPECT_TRUE(last->ended());
  ASSERT_TRUE(last->exit);
  EXPECT_EQ(last->exit->exitCode, 4);
  // Both waits end with the event (about 0.6 s in all), far before their 10 s limits.
  EXPECT_LT(waited, 5s);
}

TEST(Runtime, ExitsArriveAsEventsAndRemoveOnExitContainersGo) {
  Agent agent;
  container::RunRequest request;
  request.image = "busybox";
  request.name = "short-lived";
  request.args = {"sh", "-c", "sleep 0.2; exit 3"};
  request.removeOnExit = true;
  auto info = agent->run(request);
  ASSERT_TRUE(info) << info.error().message();
  agent.run({"sleep", "30"}, "long-lived");
  pollfd ready{agent->exitEventsFd(), POLLIN, 0};
  ASSERT_EQ(::poll(&ready, 1, 5000), 1) << "no exit event within 5 s";
  auto events = agent->collectExited();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, info->config.spec.id);
  ASSERT_TRUE(events[0].exit);
  EXPECT_EQ(events[0].exit->exitCode, 3);
  EXPECT_FALSE(agent->inspect("short-lived")) << "a removeOnExit container stays after its exit";
  EXPECT_TRUE(agent->inspect("long-lived"));
  // A new runtime watches what still runs.
  agent.restart();
  EXPECT_EQ(agent->watchRunning().shims, 1u);
  ASSERT_TRUE(agent->kill("long-lived", SIGKILL));
  ASSERT_EQ(::poll(&ready, 0, 0), 0);
  pollfd again{agent->exitEventsFd(), POLLIN, 0};
  ASSERT_EQ(::poll(&again, 1, 5000), 1);
  events = agent->collectExited();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].exit);
  EXPECT_EQ(events[0].exit->exitCode, 128 + SIGKILL);
  ASSERT_TRUE(agent->remove("long-lived", false));
}

TEST(Runtime, CollectingExitsNeverTakesAnExecsExitCode) {
  Agent agent;
  // Long enough for 20 execs in the emulated guest on a busy host (each can take seconds):
  // PID 1 ending mid-exec would kill the exec (137) and fail the test for the wrong reason.
  agent.run({"sleep", "600"}, "exec-host");
  std::atomic<bool> done{false};
  // agentd collects on every SIGCHLD, also while an exec's helper is ending.
  std::jthread collector([&] {
    while (!done) agent->collectExited();
  });
  for (int i = 0; i < 20; ++i) {
    auto result = agent->exec("exec-host", {"sh", "-c", "exit 9"});
    EXPECT_TRUE(result) << result.error().message();
    if (!result) break;  // and the collector is joined on the way out, not left to terminate()
    EXPECT_EQ(result->exitCode, 9) << "run " << i;
  }
  done = true;
  collector.join();
  ASSERT_TRUE(agent->remove("exec-host", true));
}

namespace {

// The container ids with a directory in the cpu hierarchy under the agent's parent.
std::set<std::string> cgroupIds(const Agent& agent) {
  std::set<std::string> ids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/sys/fs/cgroup/cpu" + agent.config.cgroupParent, ec)) {
    if (entry.is_directory()) ids.insert(entry.path().filename().string());
  }
  if (ec) {  // a cgroup v2 host: the unified tree
    for (const auto& entry : fs::directory_iterator("/sys/fs/cgroup" + agent.config.cgroupParent, ec)) {
      if (entry.is_directory()) ids.insert(entry.path().filename().string());
    }
  }
  return ids;
}

bool waitForStandby(Agent& agent, size_t count) {
  for (int i = 0; i < 500 && agent->standbyReady() < count; ++i) std::this_thread::sleep_for(10ms);
  return agent->standbyReady() >= count;
}

}  // namespace

TEST(Runtime, AStandbyContainerRunsLikeAnyOtherAndIsNeverListedBeforeThat) {
  Agent agent;
  agent->keepStandby(2);
  ASSERT_TRUE(waitForStandby(agent, 2));
  auto waiting = cgroupIds(agent);
  EXPECT_EQ(waiting.size(), 2u);
  auto listed = agent->list();
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty()) << "standby containers must not show as containers";

  container::RunRequest request;
  request.image = "busybox";
  request.name = "from-standby";
  request.args = {"sh", "-c", "echo $$ $(hostname) $(cat /proc/net/dev | grep -c :); exit 6"};
  request.limits.pidsMax = cgroup::Bound::of(42);
  auto info = agent->run(request);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(waiting.count(info->config.spec.id), 1u) << "the run did not take a standby container";
  auto group = agent->cgroupOf(info->config);
  ASSERT_TRUE(group);
  auto limits = group->readLimits();
  ASSERT_TRUE(limits);
  EXPECT_EQ(limits->pidsMax, cgroup::Bound::of(42));
  auto exit = agent->waitForExit("from-standby", 5s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exitCode, 6);
  auto log = agent->readLog("from-standby", {});
  ASSERT_TRUE(log);
  // PID 1 of its own pid namespace, its own hostname (the short id), only `lo`.
  EXPECT_EQ(streamsApart(log->chunk.frames).out, "1 " + info->shortId() + " 1\n");

  // A second run may find the pool refilling; either way it runs.
  auto second = agent.run({"true"}, "second");
  EXPECT_TRUE(agent->waitForExit("second", 5s));
  ASSERT_TRUE(agent->remove("from-standby", false));
  ASSERT_TRUE(agent->remove("second", false));
  ASSERT_TRUE(waitForStandby(agent, 2));
  // Ending the runtime ends its standby containers: no cgroup, no marker, no shim.
  agent.runtime.reset();
  EXPECT_TRUE(cgroupIds(agent).empty());
  EXPECT_TRUE(fs::is_empty(agent.config.stateDir + "/standby"));
  agent.restart();
}

TEST(Runtime, StandbyLeftoversOfAnEarlierAgentAreRemoved) {
  Agent agent;
  // What a crashed agentd leaves: a marker naming a cgroup (its shim ended with agentd).
  std::string id(32, 'a');
  std::string path = agent.config.cgroupParent + "/" + id;
  auto group = cgroup::Cgroup::create(HostEnvironment::hierarchy(), path,
                                      HostEnvironment::hierarchy().available(cgroup::containerControllers()));
  ASSERT_TRUE(group) << group.error().message();
  fs::create_directories(agent.config.stateDir + "/standby");
  std::ofstream(agent.config.stateDir + "/standby/" + id) << path << "\n";
  agent->keepStandby(0);
  EXPECT_EQ(cgroupIds(agent).count(id), 0u);
  EXPECT_TRUE(fs::is_empty(agent.config.stateDir + "/standby"));
}
