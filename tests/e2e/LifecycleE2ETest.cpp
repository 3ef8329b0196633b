// A container's life through agentctl and agentd as a user sees it: what stays after it
// stops (its start time, whether it was OOM-killed; not its cgroups), one agentd per state
// directory, and a request cut by agentd's exit.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "E2ESupport.h"

using namespace e2e;

namespace {

// Waits until `check` holds (re-running the command each time), up to `tries` x 50 ms.
template <typename Check>
Ran eventually(const Agent& agent, const std::string& args, Check check, int tries = 100) {
  Ran r = agent.ctl(args);
  for (int i = 0; i < tries && !check(r); ++i) {
    std::this_thread::sleep_for(50ms);
    r = agent.ctl(args);
  }
  return r;
}

bool stopped(const Ran& r) {
  return field(r.out, "state") == "stopped";
}

// Runs `slow` (sleep as PID 1 ignores SIGTERM) and starts `agentctl stop -t 4 slow` in the
// background, so that it is in flight for 4 s; returns the file that gets its output and then
// "rc=<exit code>".
std::string startSlowStop(const Agent& agent) {
  EXPECT_EQ(agent.ctl("run -d --name slow busybox -- sleep 60").exitCode, 0);
  std::string out = (agent.root() / "stop.out").string();
  EXPECT_EQ(shell("(" + agent.ctlCommand() + " stop -t 4 slow > " + out + " 2>&1; echo rc=$? >> " + out +
                  ") >/dev/null 2>&1 &")
                .exitCode,
            0);
  return out;
}

}  // namespace

TEST(LifecycleE2E, AnOomKilledContainerSaysSoInInspectAndPs) {
  Agent agent;
  Ran ran = agent.ctl("run --name hungry --memory 32Mi busybox -- tail /dev/zero");
  EXPECT_EQ(ran.exitCode, 137) << ran.out;
  Ran info = agent.ctl("inspect hungry");
  EXPECT_EQ(field(info.out, "oom_killed"), "true") << info.out;
  EXPECT_EQ(field(info.out, "exit_code"), "137") << info.out;
  Ran ps = agent.ctl("ps -a");
  EXPECT_NE(ps.out.find("stopped (137, OOM killed)"), std::string::npos) << ps.out;
  // Killed by a user's signal: 137 too, and not OOM-killed.
  ASSERT_EQ(agent.ctl("run -d --name killed busybox -- sleep 60").exitCode, 0);
  ASSERT_EQ(agent.ctl("kill -s KILL killed").exitCode, 0);
  Ran killed = eventually(agent, "inspect killed", stopped);
  EXPECT_EQ(field(killed.out, "exit_code"), "137") << killed.out;
  EXPECT_EQ(field(killed.out, "oom_killed"), "false") << killed.out;
  // ps -q as docker's: the short ids alone, stopped ones with -a.
  EXPECT_EQ(agent.ctl("ps -q").out, "");
  Ran quiet = agent.ctl("ps -aq");
  EXPECT_EQ(quiet.exitCode, 0) << quiet.out;
  EXPECT_TRUE(std::regex_match(quiet.out, std::regex("([0-9a-f]{12}\n){2}"))) << quiet.out;
}

TEST(LifecycleE2E, InspectKeepsWhenAStoppedContainerStarted) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name brief busybox -- sleep 60").exitCode, 0);
  std::string startedAt = field(agent.ctl("inspect brief").out, "started_at_unix_ms");
  ASSERT_FALSE(startedAt.empty());
  ASSERT_EQ(agent.ctl("stop -t 1 brief").exitCode, 0);
  Ran info = eventually(agent, "inspect brief", stopped);
  EXPECT_EQ(field(info.out, "started_at_unix_ms"), startedAt) << info.out;
  std::string finishedAt = field(info.out, "finished_at_unix_ms");
  ASSERT_FALSE(finishedAt.empty()) << info.out;
  EXPECT_LE(std::stoll(startedAt), std::stoll(finishedAt));
}

TEST(LifecycleE2E, AStoppedContainersCgroupsGoAndItsStateStaysStopped) {
  Agent agent;
  Ran ran = agent.ctl("run --name short busybox -- sh -c 'exit 4'");
  ASSERT_EQ(ran.exitCode, 4) << ran.out;
  Ran info =
      eventually(agent, "inspect short", [](const Ran& r) { return r.out.find("\"usage\"") != std::string::npos; });
  std::string id = field(info.out, "id");
  ASSERT_FALSE(id.empty()) << info.out;
  for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup")) {
    EXPECT_FALSE(fs::exists(hierarchy.path().string() + agent.cgroupParent() + "/" + id))
        << hierarchy.path() << ": the cgroup of a stopped container stayed";
  }
  EXPECT_NE(info.out.find("cpu_usage_ns"), std::string::npos) << info.out;
  // Its series end; agent_container_state says stopped, from the agent's own list.
  std::string idLabel = "id=\"" + agent.cgroupParent() + "/" + id + "\"";
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = shell("curl -s " + agent.metricsUrl()).out;
    if (metrics.find("agent_container_state{" + idLabel + ",name=\"short\",state=\"stopped\"} 1") != std::string::npos)
      break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(metrics.find("agent_container_state{" + idLabel + ",name=\"short\",state=\"stopped\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("container_last_seen{" + idLabel), std::string::npos) << "a stopped container is exported";
  // rm copes with a container whose cgroup is gone.
  EXPECT_EQ(agent.ctl("rm short").exitCode, 0);
}

TEST(LifecycleE2E, ASecondAgentdOnTheSameStateDirectoryRefusesToStart) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name keeper busybox -- sleep 60").exitCode, 0);
  std::string api = shell("cat " + (agent.root() / "state" / "api").string()).out;
  // The standby containers waiting now, by their markers: each has its cgroup.
  std::vector<std::string> standby;
  for (int i = 0; i < 200 && standby.size() < Agent::kStandby; ++i) {
    std::this_thread::sleep_for(10ms);
    standby.clear();
    for (const auto& e : fs::directory_iterator(agent.root() / "state" / "standby"))
      standby.push_back(e.path().filename());
  }
  ASSERT_EQ(standby.size(), Agent::kStandby);
  fs::create_directories(agent.root() / "second");
  std::string second =
      AGENT_BIN_DIR "/agentd --state-dir " + (agent.root() / "state").string() + " --data-dir " +
      (agent.root() / "second" / "data").string() + " --policy-dir " + (agent.root() / "second").string() +
      " --api-address 127.0.0.1:0 --metrics-address 127.0.0.1:0 --cgroup-parent " + agent.cgroupParent() + "-second";
  // Whatever a second agentd made under its own cgroup parent goes with the test.
  struct Cleanup {
    std::string parent;
    ~Cleanup() {
      shell("for d in /sys/fs/cgroup/*" + parent + " /sys/fs/cgroup/*/*" + parent +
            "; do [ -d $d ] && { rmdir $d/*/ 2>/dev/null; rmdir $d; }; done");
    }
  } cleanup{agent.cgroupParent() + "-second"};
  // Bounded: the old agentd started and ran; `timeout` ends it (with 124).
  Ran refused = shell("timeout -s TERM 5 " + second);
  EXPECT_EQ(refused.exitCode, 1) << refused.out;
  std::string pid = shell("cat " + (agent.root() / "state" / "agentd.lock").string()).out;
  pid = pid.substr(0, pid.find('\n'));
  EXPECT_NE(refused.out.find("another agentd (pid " + pid + ") already uses the state directory"), std::string::npos)
      << refused.out;
  // The first agentd lost nothing: its api file, its standby containers, its next run.
  EXPECT_EQ(shell("cat " + (agent.root() / "state" / "api").string()).out, api);
  for (const auto& id : standby) {
    EXPECT_TRUE(fs::exists("/sys/fs/cgroup/pids" + agent.cgroupParent() + "/" + id))
        << "the second agentd removed the first's standby container " << id;
  }
  Ran next = agent.ctl("run busybox -- true");
  EXPECT_EQ(next.exitCode, 0) << next.out;
  // Killed with an exec in flight (its helper outlives agentd) and containers running (their
  // shims outlive it): neither holds the lock, and a new agentd starts.
  ASSERT_EQ(shell("(" + agent.ctlCommand() + " exec keeper -- sleep 3) >/dev/null 2>&1 &").exitCode, 0);
  std::this_thread::sleep_for(500ms);
  agent.stop(SIGKILL);
  agent.start();
  EXPECT_EQ(field(agent.ctl("inspect keeper").out, "state"), "running");
}

TEST(LifecycleE2E, AStopInFlightIsAnsweredWhenAgentdIsAskedToStop) {
  Agent agent;
  std::string out = startSlowStop(agent);  // stop waits its 4 s, then kills
  std::this_thread::sleep_for(500ms);
  agent.signal(SIGTERM);
  std::this_thread::sleep_for(300ms);
  // Meanwhile a new request is told agentd is stopping (unreachable, 3).
  Ran during = agent.ctl("ps");
  EXPECT_EQ(during.exitCode, 3) << during.out;
  EXPECT_NE(during.out.find("stopping"), std::string::npos) << during.out;
  agent.stop(SIGTERM);  // waits for it to exit, cleanly
  Ran stop = shell("cat " + out);
  EXPECT_NE(stop.out.find("rc=0"), std::string::npos) << stop.out;
  EXPECT_NE(stop.out.find("slow"), std::string::npos) << stop.out;
  agent.start();
  EXPECT_EQ(field(agent.ctl("inspect slow").out, "state"), "stopped");
}

TEST(LifecycleE2E, ARequestCutByAgentdsEndReadsAsUnreachable) {
  Agent agent;
  std::string out = startSlowStop(agent);
  std::this_thread::sleep_for(500ms);
  agent.stop(SIGKILL);  // no time to answer
  Ran stop;
  for (int i = 0; i < 100 && stop.out.find("rc=") == std::string::npos; ++i) {
    std::this_thread::sleep_for(50ms);
    stop = shell("cat " + out);
  }
  EXPECT_NE(stop.out.find("rc=3"), std::string::npos) << stop.out;
  EXPECT_NE(stop.out.find(" closed the connection before answering (it stopped or restarted?); the container may "
                          "have been stopped: check with `agentctl ps`"),
            std::string::npos)
      << stop.out;
  EXPECT_EQ(stop.out.find("Protocol error"), std::string::npos) << stop.out;
  agent.start();
}
