// `agentctl limit` against a real agentd: old -> new, the cgroup file, drift put back
// within one reconcile_interval and counted, the override kept across an agentd restart, a
// cgroup of another runtime limited by path, and bad input refused with nothing changed.
#include <gtest/gtest.h>

#include <fstream>

#include "E2ESupport.h"
#include "HttpClient.h"

using namespace e2e;

namespace {

// The file that holds a group's CPU quota, v1 or v2, and its value as "50000" (v2: first field).
std::string quotaFile(const std::string& cgroupPath) {
  if (fs::exists("/sys/fs/cgroup/cpu" + cgroupPath + "/cpu.cfs_quota_us"))
    return "/sys/fs/cgroup/cpu" + cgroupPath + "/cpu.cfs_quota_us";
  return "/sys/fs/cgroup" + cgroupPath + "/cpu.max";
}
std::string readQuota(const std::string& cgroupPath) {
  std::ifstream in(quotaFile(cgroupPath));
  std::string value;
  in >> value;
  return value;
}
void writeQuota(const std::string& cgroupPath, const std::string& quota) {
  std::string file = quotaFile(cgroupPath);
  std::ofstream(file) << (file.ends_with("cpu.max") ? quota + " 100000" : quota);
}

}  // namespace

TEST(LimitE2E, LimitPrintsOldAndNewAndDriftIsPutBack) {
  Agent agent("reconcile_interval: 0.5\n");
  ASSERT_EQ(agent.ctl("run -d --name web busybox -- sleep 120").exitCode, 0);
  std::string cgroupPath = field(agent.ctl("inspect web").out, "cgroup");
  ASSERT_FALSE(cgroupPath.empty());

  auto limited = agent.ctl("limit web --cpu 50% --pids 64");
  ASSERT_EQ(limited.exitCode, 0) << limited.out;
  EXPECT_NE(limited.out.find("cpu: max -> 50%"), std::string::npos) << limited.out;
  EXPECT_NE(limited.out.find("pids: max -> 64"), std::string::npos) << limited.out;
  EXPECT_EQ(readQuota(cgroupPath), "50000");
  auto again = agent.ctl("limit web --cpu 50%");
  EXPECT_NE(again.out.find("cpu: 50% -> 50% (unchanged)"), std::string::npos) << again.out;

  // Someone writes the file behind the agent's back: put back within one interval.
  writeQuota(cgroupPath, "90000");
  for (int i = 0; i < 30 && readQuota(cgroupPath) != "50000"; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(readQuota(cgroupPath), "50000") << agent.log();
  std::string text;
  for (int i = 0; i < 30; ++i) {
    text = scrape(agent.metricsUrl());
    if (text.find("agent_policy_drift_corrections_total{resource=\"cpu\"}") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(text.find("agent_policy_drift_corrections_total{resource=\"cpu\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("agent_policy_enforcements_total{policy=\"override\",resource=\"cpu\"} 2"), std::string::npos);

  // The override outlives agentd: changed while it is down, put back when it starts.
  agent.stop(SIGTERM);
  writeQuota(cgroupPath, "70000");
  agent.start();
  EXPECT_EQ(readQuota(cgroupPath), "50000") << "the override was not enforced at start";

  // `max` removes the limit.
  auto removed = agent.ctl("limit web --cpu max");
  ASSERT_EQ(removed.exitCode, 0);
  EXPECT_NE(removed.out.find("cpu: 50% -> max"), std::string::npos) << removed.out;
  EXPECT_EQ(readQuota(cgroupPath), quotaFile(cgroupPath).ends_with("cpu.max") ? "max" : "-1");
}

TEST(LimitE2E, BadInputIsRefusedAndChangesNothing) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name web --cpu 50% busybox -- sleep 120").exitCode, 0);
  std::string cgroupPath = field(agent.ctl("inspect web").out, "cgroup");
  for (const char* bad : {"--cpu '50 %'", "--cpu 0%", "--memory 1Mi", "--pids 0", "--memory 12Xi"}) {
    auto refused = agent.ctl(std::string("limit web ") + bad);
    EXPECT_EQ(refused.exitCode, 1) << bad << ": " << refused.out;
    EXPECT_NE(refused.out.find("quantity"), std::string::npos) << bad << ": " << refused.out;
    EXPECT_EQ(refused.out.find("Invalid argument"), std::string::npos) << bad << ": an errno text: " << refused.out;
  }
  // One sentence: what was wrong, why, what to give (it read "use cpu quantity `0%` (must be
  // more than 0): Invalid argument").
  EXPECT_EQ(agent.ctl("limit web --cpu 0%").out,
            "agentctl: cpu quantity \"0%\" must be more than 0; use e.g. 50% or 0.5\n");
  EXPECT_EQ(readQuota(cgroupPath), "50000");
  auto none = agent.ctl("limit no-such-container --cpu 50%");
  EXPECT_EQ(none.exitCode, 1);
  EXPECT_NE(none.out.find("no such container"), std::string::npos) << none.out;
  EXPECT_EQ(agent.ctl("limit web").exitCode, 2) << "nothing to set is a usage error";
}

TEST(LimitE2E, LimitsACgroupOfAnotherRuntimeByPath) {
  Agent agent;
  // As docker would make it, under the test's own parent.
  std::string path = agent.cgroupParent() + "/docker/" + std::string(64, 'd');
  Ran made = shell("for c in cpu cpuacct memory pids; do [ -d /sys/fs/cgroup/$c ] && mkdir -p /sys/fs/cgroup/$c" +
                   path + "; done; [ -d /sys/fs/cgroup/cpu ] || mkdir -p /sys/fs/cgroup" + path);
  ASSERT_EQ(made.exitCode, 0) << made.out;
  auto limited = agent.ctl("limit " + path + " --cpu 25% --pids 32");
  EXPECT_EQ(limited.exitCode, 0) << limited.out;
  EXPECT_NE(limited.out.find("cpu: max -> 25%"), std::string::npos) << limited.out;
  EXPECT_EQ(readQuota(path), "25000");
  shell("for c in cpu cpuacct memory pids; do rmdir /sys/fs/cgroup/$c" + path + " /sys/fs/cgroup/$c" +
        agent.cgroupParent() + "/docker 2>/dev/null; done; rmdir /sys/fs/cgroup" + path + " /sys/fs/cgroup" +
        agent.cgroupParent() + "/docker 2>/dev/null; true");
}

// Through agentctl and /metrics: the OOM kill is counted where Prometheus sees it, and
// agentd (another cgroup) is untouched.
TEST(LimitE2E, AMemoryLimitOomKillsInsideAndAgentdCarriesOn) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name hungry busybox -- sh -c 'sleep 1; head -c 209715200 /dev/zero | tail; sleep 120'")
                .exitCode,
            0);
  auto limited = agent.ctl("limit hungry --memory 64Mi");
  ASSERT_EQ(limited.exitCode, 0) << limited.out;
  EXPECT_NE(limited.out.find("memory: max -> 64Mi"), std::string::npos) << limited.out;
  bool counted = false;
  for (int i = 0; i < 60 && !counted; ++i) {
    std::string text = scrape(agent.metricsUrl());
    for (size_t at = text.find("container_oom_events_total{id="); at != std::string::npos && !counted;
         at = text.find("container_oom_events_total{id=", at + 1)) {
      std::string line = text.substr(at, text.find('\n', at) - at);
      counted = line.find("name=\"hungry\"") != std::string::npos && line.substr(line.rfind(' ') + 1) != "0";
    }
    if (!counted) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(counted) << "container_oom_events_total did not go up for hungry";
  EXPECT_EQ(agent.ctl("ps").exitCode, 0) << "agentd stopped answering";
  auto still = agent.ctl("inspect hungry");
  EXPECT_EQ(field(still.out, "state"), "running") << "only the allocation was to be killed";
}

TEST(LimitE2E, APidsLimitHoldsAForkBombAndTheApiStillAnswers) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name bomb busybox -- sh -c 'sleep 1; f() { f | f & }; f; sleep 120'").exitCode, 0);
  ASSERT_EQ(agent.ctl("limit bomb --pids 32").exitCode, 0);
  std::string cgroupPath = field(agent.ctl("inspect bomb").out, "cgroup");
  std::string pidsFile = fs::exists("/sys/fs/cgroup/pids" + cgroupPath) ? "/sys/fs/cgroup/pids" + cgroupPath
                                                                        : "/sys/fs/cgroup" + cgroupPath;
  uint64_t most = 0;
  double slowest = 0;
  for (int i = 0; i < 15; ++i) {
    auto start = std::chrono::steady_clock::now();
    Ran ps = agent.ctl("ps");
    slowest = std::max(slowest, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    EXPECT_EQ(ps.exitCode, 0) << ps.out;
    std::ifstream in(pidsFile + "/pids.current");
    uint64_t current = 0;
    in >> current;
    most = std::max(most, current);
    std::this_thread::sleep_for(150ms);
  }
  std::printf("fork bomb under pids 32: at most %lu tasks; slowest agentctl ps %.0f ms\n",
              static_cast<unsigned long>(most), slowest * 1e3);
  EXPECT_GE(most, 20u) << "the bomb did not go off";
  EXPECT_LE(most, 32u);
  EXPECT_LT(slowest, 1.0) << "the API took a second or more while the bomb ran";
}
