// YAML policies against a real agentd: they apply to matching containers before their
// command runs, explain says why, ceilings refuse `limit`, an invalid file is reported with
// its position and never replaces the good set, and a cgroup of another runtime matched by
// `cgroups:` gets the policy's limits.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "E2ESupport.h"
#include "HttpClient.h"

using namespace e2e;

namespace {

// A group made the way docker would (in every hierarchy that has limits) with a `sleep 60` in
// it; the sleeper's pid, or -1 when the group could not be made.
pid_t groupWithASleeper(const std::string& path) {
  Ran made = shell(
      "for c in cpu cpuacct memory pids freezer blkio; do [ -d /sys/fs/cgroup/$c ] && mkdir -p "
      "/sys/fs/cgroup/$c" +
      path + "; done; [ -d /sys/fs/cgroup/cpu ] || mkdir -p /sys/fs/cgroup" + path);
  if (made.exitCode != 0) return -1;
  pid_t sleeper = ::fork();
  if (sleeper == 0) {
    ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  shell("for d in /sys/fs/cgroup/*" + path + " /sys/fs/cgroup" + path + "; do [ -f $d/cgroup.procs ] && echo " +
        std::to_string(sleeper) + " > $d/cgroup.procs; done");
  return sleeper;
}

std::string cpuFile(const std::string& cgroupPath) {
  if (fs::exists("/sys/fs/cgroup/cpu" + cgroupPath)) return "/sys/fs/cgroup/cpu" + cgroupPath + "/cpu.cfs_quota_us";
  return "/sys/fs/cgroup" + cgroupPath + "/cpu.max";
}
std::string pidsFile(const std::string& cgroupPath) {
  if (fs::exists("/sys/fs/cgroup/pids" + cgroupPath)) return "/sys/fs/cgroup/pids" + cgroupPath + "/pids.max";
  return "/sys/fs/cgroup" + cgroupPath + "/pids.max";
}

const char* kWebPolicy = R"(policies:
  - name: web-tier
    priority: 10
    match:
      names: ["web-*"]
    limits:
      cpu: 50%
      pids: 64
    max:
      cpu: 100%
)";

}  // namespace

TEST(PolicyE2E, APolicyLimitsMatchingContainersFromTheStartAndExplainSaysWhy) {
  Agent agent;
  std::ofstream(agent.root() / "policies" / "web.yaml") << kWebPolicy;
  ASSERT_EQ(agent.ctl("policy reload").exitCode, 0);
  // The limit is in place before the command runs: its 80 forks at once meet pids 64.
  auto ran =
      agent.ctl("run --name web-1 busybox -- sh -c 'i=0; while [ $i -lt 80 ]; do sleep 1 & i=$((i+1)); done; wait'");
  EXPECT_NE(ran.out.find("can't fork"), std::string::npos) << ran.out;
  ASSERT_EQ(agent.ctl("run -d --name web-2 busybox -- sleep 120").exitCode, 0);
  ASSERT_EQ(agent.ctl("run -d --name db-1 busybox -- sleep 120").exitCode, 0);
  std::string web = field(agent.ctl("inspect web-2").out, "cgroup"),
              db = field(agent.ctl("inspect db-1").out, "cgroup");
  EXPECT_EQ(firstWord(cpuFile(web)), "50000");
  EXPECT_EQ(firstWord(pidsFile(web)), "64");
  EXPECT_NE(firstWord(cpuFile(db)), "50000") << "the policy matched a container it names not";

  auto explained = agent.ctl("policy explain web-2");
  EXPECT_EQ(explained.exitCode, 0);
  EXPECT_NE(explained.out.find("policy web-tier"), std::string::npos) << explained.out;
  EXPECT_NE(explained.out.find("matching policies: web-tier"), std::string::npos) << explained.out;

  auto above = agent.ctl("limit web-2 --cpu 150%");
  EXPECT_EQ(above.exitCode, 1);
  EXPECT_NE(above.out.find("above 100%, the max of policy web-tier"), std::string::npos) << above.out;
  EXPECT_EQ(firstWord(cpuFile(web)), "50000") << "a refused limit changed the file";
  auto over = agent.ctl("limit web-2 --cpu 75%");
  EXPECT_EQ(over.exitCode, 0) << over.out;
  EXPECT_NE(over.out.find("cpu: 50% -> 75%"), std::string::npos) << over.out;
  EXPECT_NE(agent.ctl("policy explain web-2").out.find("override"), std::string::npos);
  auto list = agent.ctl("policy list");
  EXPECT_NE(list.out.find("web-tier"), std::string::npos) << list.out;
}

TEST(PolicyE2E, AnInvalidPolicyIsReportedWithItsPositionAndTheGoodOneStays) {
  Agent agent("reconcile_interval: 0.5\n");
  std::ofstream(agent.root() / "policies" / "web.yaml") << kWebPolicy;
  ASSERT_EQ(agent.ctl("policy reload").exitCode, 0);
  ASSERT_EQ(agent.ctl("run -d --name web-1 busybox -- sleep 120").exitCode, 0);
  std::string web = field(agent.ctl("inspect web-1").out, "cgroup");
  ASSERT_EQ(firstWord(cpuFile(web)), "50000");

  fs::path bad = agent.root() / "bad.yaml";
  std::ofstream(bad)
      << "policies:\n  - name: web-tier\n    match: {names: [\"web-*\"]}\n    limits: {cpu: 30%, colour: red}\n";
  auto validated = agent.ctl("policy validate " + bad.string());
  EXPECT_EQ(validated.exitCode, 1);
  EXPECT_NE(validated.out.find(bad.string() + ":4:24: unknown key `colour` in limits"), std::string::npos)
      << validated.out;

  // The same broken text in the policy directory (watched): refused, the good set stays.
  std::ofstream(agent.root() / "policies" / "web.yaml")
      << "policies:\n  - name: web-tier\n    match: {names: [\"web-*\"]}\n    limits: {cpu: 30%, colour: red}\n";
  std::string text;
  for (int i = 0; i < 30 && text.find("agent_policy_reload_errors_total 1") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    text = scrape(agent.metricsUrl());
  }
  EXPECT_NE(text.find("agent_policy_reload_errors_total 1"), std::string::npos) << "the inotify reload did not run";
  auto list = agent.ctl("policy list");
  EXPECT_NE(list.out.find("refused"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("web.yaml:4:24"), std::string::npos) << list.out;
  // Still enforced: drift is put back to the good set's 50%, not 30%.
  std::ofstream(cpuFile(web)) << (cpuFile(web).ends_with("cpu.max") ? "90000 100000" : "90000");
  EXPECT_TRUE(becomes(cpuFile(web), "50000")) << agent.log();

  std::ofstream(agent.root() / "policies" / "web.yaml")
      << "policies:\n  - name: web-tier\n    match: {names: [\"web-*\"]}\n    limits: {cpu: 30%}\n";
  EXPECT_TRUE(becomes(cpuFile(web), "30000")) << "the fixed file was not applied\n" << agent.log();
}

TEST(PolicyE2E, AnotherRuntimesCgroupMatchedByCgroupsGetsThePolicysLimits) {
  Agent agent("reconcile_interval: 0.5\n");
  std::string docker = agent.cgroupParent() + "/docker";
  std::string path = docker + "/" + std::string(64, 'e');
  std::ofstream(agent.root() / "policies" / "docker.yaml")
      << "policies:\n  - name: docker-pids\n    match:\n      cgroups: [\"" << docker << "/*\"]\n    limits:\n"
      << "      pids: 32\n      cpu: 25%\n";
  ASSERT_EQ(agent.ctl("policy reload").exitCode, 0);
  pid_t sleeper = groupWithASleeper(path);
  ASSERT_GT(sleeper, 0) << "cannot make " << path;
  EXPECT_TRUE(becomes(pidsFile(path), "32")) << agent.log();
  EXPECT_TRUE(becomes(cpuFile(path), "25000"));
  ::kill(sleeper, SIGKILL);
  ::waitpid(sleeper, nullptr, 0);
  shell("sleep 0.2; for d in /sys/fs/cgroup/*" + path + " /sys/fs/cgroup" + path + " /sys/fs/cgroup/*" + docker +
        " /sys/fs/cgroup" + docker + "; do [ -d $d ] && rmdir $d; done; true");
}

TEST(PolicyE2E, SighupReloadsThePolicyDirectory) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name web-1 busybox -- sleep 120").exitCode, 0);
  std::string web = field(agent.ctl("inspect web-1").out, "cgroup");
  std::string before = firstWord(cpuFile(web));
  // Written where the watch cannot see it being made (a rename into place is seen; to test
  // SIGHUP alone, the directory is replaced, which drops the watch).
  fs::path dir = agent.root() / "policies";
  fs::rename(dir, agent.root() / "policies.old");
  fs::create_directories(dir);
  std::ofstream(dir / "web.yaml") << kWebPolicy;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(firstWord(cpuFile(web)), before) << "reloaded without SIGHUP";
  agent.signal(SIGHUP);
  EXPECT_TRUE(becomes(cpuFile(web), "50000")) << agent.log();
  // And the new directory is watched from then on.
  std::ofstream(dir / "web.yaml") << "policies:\n  - name: web-tier\n    match: {names: [\"web-*\"]}\n"
                                  << "    limits: {cpu: 30%}\n";
  EXPECT_TRUE(becomes(cpuFile(web), "30000")) << agent.log();
}

TEST(PolicyE2E, EnforceFalseReportsAndWritesNothing) {
  Agent agent("enforce: false\nreconcile_interval: 0.5\n");
  std::ofstream(agent.root() / "policies" / "web.yaml") << kWebPolicy;
  ASSERT_EQ(agent.ctl("policy reload").exitCode, 0);
  ASSERT_EQ(agent.ctl("run -d --name db-1 busybox -- sleep 120").exitCode, 0);
  std::string db = field(agent.ctl("inspect db-1").out, "cgroup");
  std::string before = firstWord(cpuFile(db));
  auto limited = agent.ctl("limit db-1 --cpu 50%");
  EXPECT_EQ(limited.exitCode, 0) << limited.out;
  EXPECT_NE(limited.out.find("not written: enforce is false"), std::string::npos) << limited.out;
  std::this_thread::sleep_for(1200ms);  // two periodic passes
  EXPECT_EQ(firstWord(cpuFile(db)), before) << "enforce: false wrote a limit";
  EXPECT_NE(agent.log().find("would change (enforce: false)"), std::string::npos) << agent.log();
}

// `run --cpu` and the policies matching a new container wrote their limits into its cgroup
// under `enforce: false` (cpu.cfs_quota_us 50000): no path writes a limit then.
TEST(PolicyE2E, EnforceFalseWritesNoLimitWhenAContainerIsRun) {
  Agent agent("enforce: false\n");
  std::ofstream(agent.root() / "policies" / "web.yaml") << kWebPolicy;
  ASSERT_EQ(agent.ctl("policy reload").exitCode, 0);
  ASSERT_EQ(agent.ctl("run -d --name db-1 busybox -- sleep 120").exitCode, 0);
  auto ran = agent.ctl("run -d --name db-2 --cpu 50% --pids 100 busybox -- sleep 120");
  ASSERT_EQ(ran.exitCode, 0) << ran.out;
  ASSERT_EQ(agent.ctl("run -d --name web-1 busybox -- sleep 120").exitCode, 0);
  std::string none = firstWord(cpuFile(field(agent.ctl("inspect db-1").out, "cgroup")));
  std::string nonePids = firstWord(pidsFile(field(agent.ctl("inspect db-1").out, "cgroup")));
  for (const char* name : {"db-2", "web-1"}) {
    std::string cgroup = field(agent.ctl(std::string("inspect ") + name).out, "cgroup");
    EXPECT_EQ(firstWord(cpuFile(cgroup)), none) << name << ": enforce: false wrote a cpu limit at run";
    EXPECT_EQ(firstWord(pidsFile(cgroup)), nonePids) << name << ": enforce: false wrote a pids limit at run";
  }
  // What db-2 was run with is kept as its override, for when enforcement is on.
  auto explained = agent.ctl("policy explain db-2");
  EXPECT_NE(explained.out.find("override"), std::string::npos) << explained.out;
}

// The reconciler wrote pids.max from a `names:` policy to another runtime's container that
// `policy explain <its cgroup path>` said no policy matched: explain took the path for a
// plain cgroup. A container is the container however it is named.
TEST(PolicyE2E, ExplainByCgroupPathShowsTheNameMatchedPolicyTheReconcilerApplies) {
  Agent agent("reconcile_interval: 0.5\n");
  std::random_device random;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%08x%08x", static_cast<unsigned>(random()), static_cast<unsigned>(random()));
  std::string id = std::string(hex) + std::string(48, 'd');
  std::string shortId = id.substr(0, 12);
  // A docker container of the systemd driver, made under the test agent's parent.
  std::string slice = agent.cgroupParent() + "/system.slice", path = slice + "/docker-" + id + ".scope";
  std::ofstream(agent.root() / "policies" / "named.yaml")
      << "policies:\n  - name: by-name\n    match:\n      names: [\"" << shortId << "\"]\n    limits:\n"
      << "      pids: 1000\n";
  ASSERT_EQ(agent.ctl("policy reload").exitCode, 0);
  pid_t sleeper = groupWithASleeper(path);
  ASSERT_GT(sleeper, 0) << "cannot make " << path;
  EXPECT_TRUE(becomes(pidsFile(path), "1000", 10s)) << "the reconciler did not apply the policy\n" << agent.log();
  for (const std::string& ref : {path, shortId}) {
    auto explained = agent.ctl("policy explain " + ref);
    EXPECT_EQ(explained.exitCode, 0) << explained.out;
    EXPECT_NE(explained.out.find("matching policies: by-name"), std::string::npos) << ref << "\n" << explained.out;
    EXPECT_NE(explained.out.find("policy by-name"), std::string::npos) << ref << "\n" << explained.out;
  }
  ::kill(sleeper, SIGKILL);
  ::waitpid(sleeper, nullptr, 0);
  shell("sleep 0.2; for d in /sys/fs/cgroup/*" + path + " /sys/fs/cgroup" + path + " /sys/fs/cgroup/*" + slice +
        " /sys/fs/cgroup" + slice + "; do [ -d $d ] && rmdir $d; done; true");
}
