// agentctl limit and policy explain against what the kernel rounds, caps or refuses, with a
// real agentd: a page-rounded memory limit is no drift, a huge one reads back as itself,
// pids above PID_MAX_LIMIT is refused up front, a group missing from the memory hierarchy
// takes cpu and says why not memory, and limits in the way (memory+swap, a parent's CPU
// quota) are named. Written for this v1 host's layout (each controller its own hierarchy).
#include <gtest/gtest.h>

#include <fstream>

#include "E2ESupport.h"
#include "HttpClient.h"

using namespace e2e;

namespace {

// The value of the first series whose line starts with `series`, or "" when absent.
std::string sample(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return "";
  size_t end = text.find('\n', at + 1);
  return text.substr(at + series.size() + 2, end - at - series.size() - 2);
}

// A group made by hand below the agent's cgroup parent in the given v1 hierarchies (as
// systemd or docker would), removed at the end of the test from the first directory it
// made down, so that the agent's parent is empty again.
class HandMadeGroup {
 public:
  HandMadeGroup(const Agent& agent, const std::string& relative, std::vector<std::string> controllers)
      : path_(agent.cgroupParent() + relative),
        top_(agent.cgroupParent() + relative.substr(0, relative.find('/', 1))),
        controllers_(std::move(controllers)) {
    for (const auto& c : controllers_) fs::create_directories("/sys/fs/cgroup/" + c + path_);
  }
  ~HandMadeGroup() {
    for (const auto& c : controllers_) {
      shell("[ ! -d /sys/fs/cgroup/" + c + top_ + " ] || find /sys/fs/cgroup/" + c + top_ +
            " -depth -type d -exec rmdir {} \\;");
    }
  }
  std::string dir(const std::string& controller) const { return "/sys/fs/cgroup/" + controller + path_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string top_;  // the first directory made below the agent's parent
  std::vector<std::string> controllers_;
};

bool v1Host() {
  return fs::exists("/sys/fs/cgroup/memory/memory.limit_in_bytes") && fs::exists("/sys/fs/cgroup/cpu/cpu.shares");
}

}  // namespace

TEST(KernelLimitE2E, APageRoundedMemoryLimitIsNoDriftAndHugeOnesReadBack) {
  Agent agent("reconcile_interval: 0.5\n");
  ASSERT_EQ(agent.ctl("run -d --name web busybox -- sleep 120").exitCode, 0);
  auto rounded = agent.ctl("limit web --memory 100000001");
  ASSERT_EQ(rounded.exitCode, 0) << rounded.out;
  EXPECT_NE(rounded.out.find("memory: max -> 97656Ki; the kernel keeps whole 4096-byte pages: 100000001 is held as "
                             "97656Ki (99999744 bytes)"),
            std::string::npos)
      << rounded.out;
  // Six reconcile intervals: nothing touched it, nothing is put back.
  std::this_thread::sleep_for(3s);
  std::string text = scrape(agent.metricsUrl());
  ASSERT_NE(text.find("agent_policy_enforcements_total{policy=\"override\",resource=\"memory\"} 1"), std::string::npos)
      << text;
  EXPECT_EQ(sample(text, "agent_policy_drift_corrections_total{resource=\"memory\"}"), "") << agent.log();
  EXPECT_EQ(agent.log().find("drifted, put back"), std::string::npos) << agent.log();

  auto huge = agent.ctl("limit web --memory 8388607Ti");
  EXPECT_EQ(huge.exitCode, 0) << huge.out;
  EXPECT_NE(huge.out.find("memory: 97656Ki -> 8388607Ti\n"), std::string::npos) << huge.out;
  auto capped = agent.ctl("limit web --memory 8388608Ti");
  EXPECT_NE(capped.out.find("memory: 8388607Ti -> max; 8388608Ti is at or above the kernel's cap"), std::string::npos)
      << capped.out;

  auto pids = agent.ctl("limit web --pids 4194305");
  EXPECT_EQ(pids.exitCode, 1) << pids.out;
  EXPECT_NE(pids.out.find("above the kernel's maximum of 4194304 tasks (PID_MAX_LIMIT)"), std::string::npos)
      << pids.out;
  std::ofstream(agent.root() / "policies" / "p.yaml") << "policies:\n  - name: p\n    match: {names: [web]}\n"
                                                         "    limits: {pids: 4194305}\n";
  auto validated = agent.ctl("policy validate " + (agent.root() / "policies" / "p.yaml").string());
  EXPECT_EQ(validated.exitCode, 1) << validated.out;
  EXPECT_NE(validated.out.find("p.yaml:4:20"), std::string::npos) << validated.out;
  EXPECT_NE(validated.out.find("PID_MAX_LIMIT"), std::string::npos) << validated.out;
}

// A systemd v1 unit without memory accounting: in cpu, cpuacct and pids, not in memory.
TEST(KernelLimitE2E, AGroupMissingFromTheMemoryHierarchy) {
  if (!v1Host()) GTEST_SKIP() << "written for a cgroup v1 layout; the vm tier covers v2";
  Agent agent("reconcile_interval: 0.5\n");
  HandMadeGroup unit(agent, "/system.slice/cron.service", {"cpu", "cpuacct", "pids"});
  std::string memoryDir = "/sys/fs/cgroup/memory" + unit.path();

  auto cpu = agent.ctl("limit " + unit.path() + " --cpu 90%");
  EXPECT_EQ(cpu.exitCode, 0) << cpu.out;
  EXPECT_NE(cpu.out.find("cpu: max -> 90%"), std::string::npos) << cpu.out;
  EXPECT_EQ(firstWord(unit.dir("cpu") + "/cpu.cfs_quota_us"), "90000");

  auto both = agent.ctl("limit " + unit.path() + " --cpu 80% --memory 256Mi");
  EXPECT_EQ(both.exitCode, 1) << both.out;
  EXPECT_NE(both.out.find("cpu: 90% -> 80%"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("memory: the group has no directory in the memory hierarchy (" + memoryDir +
                          "), so it takes no memory limit"),
            std::string::npos)
      << both.out;
  EXPECT_NE(both.out.find("set: cpu; not set: memory"), std::string::npos) << both.out;

  auto explained = agent.ctl("policy explain " + unit.path());
  EXPECT_EQ(explained.exitCode, 0) << explained.out;
  EXPECT_NE(explained.out.find("memory: the group has no directory in the memory hierarchy (" + memoryDir + ")"),
            std::string::npos)
      << explained.out;

  // A `cgroups:` policy on another such group: cpu applied, memory reported.
  HandMadeGroup other(agent, "/system.slice/atd.service", {"cpu", "cpuacct", "pids"});
  std::ofstream(agent.root() / "policies" / "units.yaml")
      << "policies:\n  - name: units\n    match: {cgroups: [\"" << other.path()
      << "\"]}\n    limits: {cpu: 20%, memory: 256Mi}\n";
  ASSERT_EQ(agent.ctl("policy reload").exitCode, 0);
  EXPECT_TRUE(becomes(other.dir("cpu") + "/cpu.cfs_quota_us", "20000")) << agent.log();
  std::string text;
  for (int i = 0; i < 30; ++i) {
    text = scrape(agent.metricsUrl());
    if (sample(text, "agent_policy_unenforced_limits{resource=\"memory\"}") == "1") break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(sample(text, "agent_policy_unenforced_limits{resource=\"memory\"}"), "1") << text;
  std::string log = agent.log();
  EXPECT_NE(log.find("msg=\"limit cannot be applied to this group\" container=" + other.path()), std::string::npos)
      << log;
  auto explainedOther = agent.ctl("policy explain " + other.path());
  EXPECT_NE(explainedOther.out.find("256Mi"), std::string::npos) << explainedOther.out;
  EXPECT_NE(explainedOther.out.find("memory: the group has no directory in the memory hierarchy"), std::string::npos)
      << explainedOther.out;
}

// docker run --memory 512m --memory-swap 768m, then `limit --memory 1Gi` / `--memory max`.
TEST(KernelLimitE2E, MemoryAboveAMemoryPlusSwapLimitSaysWhichLimitIsInTheWay) {
  if (!v1Host() || !fs::exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")) {
    GTEST_SKIP() << "needs cgroup v1 with swap accounting (memory.memsw.limit_in_bytes)";
  }
  Agent agent;
  HandMadeGroup ctr(agent, "/docker/" + std::string(64, 'a'), {"cpu", "cpuacct", "memory", "pids"});
  std::ofstream(ctr.dir("memory") + "/memory.limit_in_bytes") << "536870912";
  std::ofstream(ctr.dir("memory") + "/memory.memsw.limit_in_bytes") << "805306368";
  ASSERT_EQ(firstWord(ctr.dir("memory") + "/memory.memsw.limit_in_bytes"), "805306368");

  auto refused = agent.ctl("limit " + ctr.path() + " --memory 1Gi");
  EXPECT_EQ(refused.exitCode, 1) << refused.out;
  EXPECT_NE(refused.out.find("memory: 1Gi is above the group's memory+swap limit of 768Mi (" + ctr.dir("memory") +
                             "/memory.memsw.limit_in_bytes"),
            std::string::npos)
      << refused.out;
  EXPECT_EQ(firstWord(ctr.dir("memory") + "/memory.limit_in_bytes"), "536870912");

  auto lifted = agent.ctl("limit " + ctr.path() + " --memory max");
  EXPECT_EQ(lifted.exitCode, 0) << lifted.out;
  EXPECT_NE(lifted.out.find("memory: 512Mi -> max; memory+swap limit (memory.memsw.limit_in_bytes) 768Mi -> max"),
            std::string::npos)
      << lifted.out;
}

// parent 50%, `limit child --cpu 60%`: "Invalid argument" before.
TEST(KernelLimitE2E, AChildAboveItsParentsCpuQuotaNamesTheParent) {
  if (!v1Host()) GTEST_SKIP() << "cgroup v1 refuses a child above its parent; the vm tier covers v2";
  Agent agent;
  HandMadeGroup parent(agent, "/capped", {"cpu", "cpuacct", "memory", "pids"});
  HandMadeGroup child(agent, "/capped/inner", {"cpu", "cpuacct", "memory", "pids"});
  ASSERT_EQ(agent.ctl("limit " + parent.path() + " --cpu 50%").exitCode, 0);
  auto refused = agent.ctl("limit " + child.path() + " --cpu 60%");
  EXPECT_EQ(refused.exitCode, 1) << refused.out;
  EXPECT_NE(refused.out.find("cpu: 60% is above the 50% quota of the parent " + parent.path() +
                             " (cpu.cfs_quota_us); the kernel refuses a child above its parent on cgroup v1"),
            std::string::npos)
      << refused.out;
  EXPECT_EQ(refused.out.find("Invalid argument\n"), std::string::npos) << "a bare errno: " << refused.out;
}
