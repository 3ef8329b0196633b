// No path may end a shim whose container runs: its end loses the container's exit code for
// good (the report of issue 10: a shim gone, PID 1 running on under the host's init). A
// container's processes signalling their process group, stray signals to the shim itself,
// bursts of runs while the standby pool refills: after each, every running container's shim
// is alive and watched. And if a shim is killed anyway (SIGKILL), its container is not lost.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
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

// The signals whose default action ends a process, that anything may send.
constexpr int kStraySignals[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGUSR1,   SIGUSR2, SIGPIPE,
                                 SIGALRM, SIGTERM, SIGXCPU, SIGVTALRM, SIGPROF, SIGIO};
// Those of them busybox sh as PID 1 leaves alone (it handles SIGINT, SIGQUIT and SIGTERM
// itself, and may die of them, as it would under Docker).
constexpr int kGroupSignals[] = {SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGXCPU, SIGVTALRM, SIGPROF, SIGIO};

bool shimAlive(const container::ContainerInfo& info) {
  return info.status.pid && container::openShimPidfd(*info.status.pid, proc::ProcFs()).has_value();
}

// Every one of `ids` runs, with its shim alive and watched (no container runs without one).
void expectEveryShimAliveAndWatched(Agent& agent, const std::vector<std::string>& ids, const std::string& when) {
  for (const auto& id : ids) {
    auto info = agent->inspect(id);
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_EQ(info->status.state, container::ContainerState::Running) << when << ": " << id;
    EXPECT_TRUE(shimAlive(*info)) << when << ": the shim of " << id << " (pid "
                                  << (info->status.pid ? info->status.pid->shimPid : 0) << ") is gone while PID 1 runs";
  }
  auto watched = agent->watchRunning();  // counts those watched already
  EXPECT_GE(watched.shims, ids.size()) << when;
  EXPECT_TRUE(watched.lost.empty()) << when << ": " << watched.lost.size() << " containers run without their shim";
}

container::RunRequest busybox(std::vector<std::string> args, std::string name = "") {
  container::RunRequest request;
  request.image = "busybox";
  request.name = std::move(name);
  request.args = std::move(args);
  return request;
}

// A command that sends each stray signal to its own process group, then lives on.
std::vector<std::string> signalsItsGroup(const std::string& then) {
  std::string script;
  for (int sig : kGroupSignals) script += "kill -" + std::to_string(sig) + " 0; ";
  return {"sh", "-c", script + then};
}

}  // namespace

TEST(ShimSurvival, AContainerSignallingItsProcessGroupNeverReachesItsShim) {
  Agent agent;
  auto info = agent.run(signalsItsGroup("sleep 0.5; exit 7"), "group-signaller");
  auto exit = agent->waitForExit("group-signaller", 10s);
  ASSERT_TRUE(exit);
  // Recorded by the shim: had a signal reached it, the exit would be unknown (no record).
  EXPECT_EQ(exit->exitCode, 7) << exit->error;
  auto record = agent->inspect("group-signaller");
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->status.exit) << "the shim ended without recording the exit";
}

TEST(ShimSurvival, StraySignalsToTheShimItselfDoNotEndIt) {
  Agent agent;
  auto info = agent.run({"sh", "-c", "sleep 1.5; exit 4"}, "target");
  ASSERT_TRUE(info.status.pid);
  for (int sig : kStraySignals) ::kill(info.status.pid->shimPid, sig);
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(shimAlive(*agent->inspect("target"))) << "a stray signal ended the shim";
  auto exit = agent->waitForExit("target", 10s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exitCode, 4);
}

TEST(ShimSurvival, ShimsAndContainersStartWithNothingOfTheirStarter) {
  Agent agent;
  std::optional<AgentdSignalState> agentd(std::in_place);  // what the shim is started with
  auto info = agent.run({"sleep", "30"}, "clean-start");
  agentd.reset();
  ASSERT_TRUE(info.status.pid);
  // Only stdin, stdout and stderr pass into the container (the shim's pipes, agentd's
  // sockets and descriptors, what the test runner inherited: none of them).
  auto fds = [](pid_t pid) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
      names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  };
  EXPECT_EQ(fds(info.status.pid->pid), (std::vector<std::string>{"0", "1", "2"}));
  // PID 1 starts with an empty signal mask and no ignored signal, in a session of its own.
  std::ifstream in("/proc/" + std::to_string(info.status.pid->pid) + "/status");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("SigBlk:\t0000000000000000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("SigIgn:\t0000000000000000\n"), std::string::npos) << text;
  EXPECT_EQ(::getsid(info.status.pid->pid), info.status.pid->pid);
  ASSERT_TRUE(agent->remove("clean-start", true));
}

// Threads that run until the test ends, however it ends (an ASSERT returns early).
struct Background {
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  ~Background() { stop(); }
  void stop() {
    done = true;
    for (auto& t : threads)
      if (t.joinable()) t.join();
  }
};

TEST(ShimSurvival, BurstsOfRunsWhileThePoolRefillsLeaveEveryShimAliveAndWatched) {
  Agent agent;
  agent->keepStandby(4);
  Background background;
  std::atomic<bool>& done = background.done;
  std::atomic<int> shortRuns{0};
  // Beside the bursts, short containers come and go (`run --rm`), and agentd's loop collects.
  background.threads.emplace_back([&] {
    for (int i = 0; !done; ++i) {
      auto ran = agent->run(busybox({"true"}));
      if (!ran) continue;
      agent->waitForExit(ran->config.spec.id, 5s);
      (void)agent->remove(ran->config.spec.id, true);
      ++shortRuns;
    }
  });
  background.threads.emplace_back([&] {
    while (!done) {
      pollfd ready{agent->exitEventsFd(), POLLIN, 0};
      (void)::poll(&ready, 1, 50);
      for (const auto& event : agent->collectExited()) {
        EXPECT_TRUE(event.exit || event.shimLost) << event.id << ": a shim ended without an exit record";
        EXPECT_FALSE(event.shimLost) << event.id << ": a shim was lost while its container ran";
      }
    }
  });
  std::vector<std::string> ids;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 16; ++i) {
      // Half of them signal their own process group (shells, supervisors and `kill 0` do).
      auto request = i % 2 ? busybox({"sleep", "1000"}) : busybox(signalsItsGroup("exec sleep 1000"));
      auto info = agent->run(request);
      ASSERT_TRUE(info) << info.error().message();
      ids.push_back(info->config.spec.id);
    }
    std::this_thread::sleep_for(1500ms);  // the pool refills meanwhile
    expectEveryShimAliveAndWatched(agent, ids, "after burst " + std::to_string(round));
  }
  background.stop();
  EXPECT_GT(shortRuns.load(), 0);
  auto list = agent->list();
  ASSERT_TRUE(list);
  for (const auto& info : *list) ASSERT_TRUE(agent->remove(info.config.spec.id, true));
}

TEST(ShimSurvival, AnExecInFlightHoldsNoStandbysControlPipe) {
  // A dropped standby ends on EOF of its control pipe. An exec's helper (forked by agentd,
  // never exec'd) held a copy of every descriptor agentd had, so the EOF waited for the exec
  // to end, and with it the request dropping the standby (holding the runtime's lock).
  Agent agent;
  agent->keepStandby(2);
  for (int i = 0; i < 500 && agent->standbyReady() < 2; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(agent->standbyReady(), 2u);
  agent.run({"sleep", "60"}, "busy");
  // The exec outlasts any slowness of a loaded machine or an emulated guest by far; the bound
  // is a third of it, and removing the container ends the exec once measured.
  std::thread exec([&] { (void)agent->exec("busy", {"sleep", "30"}); });
  std::this_thread::sleep_for(500ms);  // the helper runs
  auto started = std::chrono::steady_clock::now();
  auto duplicate = agent->run(busybox({"true"}, "busy"));  // takes a standby, then drops it
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(agent->remove("busy", true));
  exec.join();
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().errnum, EEXIST);
  EXPECT_LT(took, 10s) << "dropping a standby waited for an unrelated exec";
}

TEST(ShimSurvival, AContainerWhoseShimIsKilledAnywayIsWatchedAndStoppable) {
  Agent agent;
  auto info = agent.run({"sleep", "1000"}, "orphan");
  ASSERT_TRUE(info.status.pid);
  ASSERT_EQ(::kill(info.status.pid->shimPid, SIGKILL), 0);  // what nothing can ignore
  pollfd ready{agent->exitEventsFd(), POLLIN, 0};
  ASSERT_EQ(::poll(&ready, 1, 5000), 1);
  auto events = agent->collectExited();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].shimLost) << "the shim's end was not reported as a lost shim";
  EXPECT_EQ(events[0].shimLost->pid1, info.status.pid->pid);
  // Still running, watched through PID 1, also by a new agentd.
  EXPECT_EQ(agent->inspect("orphan")->status.state, container::ContainerState::Running);
  agent.restart();
  auto watched = agent->watchRunning();
  ASSERT_EQ(watched.lost.size(), 1u);
  EXPECT_EQ(watched.shims, 0u);
  ready = pollfd{agent->exitEventsFd(), POLLIN, 0};
  // Stoppable: PID 1 ignores SIGTERM (a pid namespace's init), SIGKILL after the grace.
  auto stopped = agent->stop("orphan", 200ms);
  ASSERT_TRUE(stopped) << stopped.error().message();
  EXPECT_EQ(stopped->status.state, container::ContainerState::Stopped);
  // Its stop is recorded (the code is unknown) and its cgroup removed, as for any exit.
  ASSERT_EQ(::poll(&ready, 1, 5000), 1);
  events = agent->collectExited();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].exit);
  EXPECT_EQ(events[0].exit->exitCode, 255);
  EXPECT_NE(events[0].exit->error.find("shim"), std::string::npos) << events[0].exit->error;
  auto after = agent->inspect("orphan");
  ASSERT_TRUE(after);
  ASSERT_TRUE(after->status.exit);
  EXPECT_FALSE(agent->cgroupOf(after->config)) << "the cgroup of a stopped container stayed";
  ASSERT_TRUE(agent->remove("orphan", false));
}
