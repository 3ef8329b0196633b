// What confines a container's processes on this kernel, through ContainerRuntime as agentd
// uses it: the capability sets of PID 1 and of an exec'd process, before and after a restart.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ContainerRuntime.h"
#include "HostTestSupport.h"

using namespace agent;
using namespace agent::hosttest;

namespace {

// "CapEff:\t..." and "CapBnd:\t..." lines of a /proc/<pid>/status text.
std::string capabilityLines(const std::string& status) {
  std::string out;
  std::istringstream in(status);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("CapEff:", 0) == 0 || line.rfind("CapBnd:", 0) == 0) out += line + "\n";
  return out;
}

std::string hexLines(uint64_t bits) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(bits));
  return std::string("CapEff:\t") + hex + "\nCapBnd:\t" + hex + "\n";
}

}  // namespace

TEST(Confinement, CapAddAndDropHoldForPid1AndExecAlsoAfterARestart) {
  Agent agent;
  container::RunRequest request;
  request.image = "busybox";
  request.name = "caps";
  request.args = {"sleep", "30"};
  request.capAdd = {"sys_admin"};
  request.capDrop = {"CAP_NET_RAW"};
  auto info = agent->run(request);
  ASSERT_TRUE(info) << info.error().message();
  ASSERT_TRUE(info->status.pid);
  uint64_t want = (0xa80425fbull | 1ull << 21) & ~(1ull << 13);
  EXPECT_EQ(info->config.spec.capabilities.bits(), want);

  std::stringstream pid1;
  pid1 << std::ifstream("/proc/" + std::to_string(info->status.pid->pid) + "/status").rdbuf();
  EXPECT_EQ(capabilityLines(pid1.str()), hexLines(want)) << pid1.str();
  auto execd = agent->exec("caps", {"cat", "/proc/self/status"});
  ASSERT_TRUE(execd) << execd.error().message();
  EXPECT_EQ(capabilityLines(execd->stdoutText), hexLines(want)) << execd->stdoutText;
  // Inheritable and ambient empty, as Docker has them since CVE-2022-24769.
  EXPECT_NE(pid1.str().find("CapInh:\t0000000000000000\n"), std::string::npos) << pid1.str();
  EXPECT_NE(execd->stdoutText.find("CapAmb:\t0000000000000000\n"), std::string::npos) << execd->stdoutText;

  // A restarted agentd reads the set back from the record: exec still gets PID 1's.
  agent.restart();
  auto again = agent->exec("caps", {"cat", "/proc/self/status"});
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(capabilityLines(again->stdoutText), hexLines(want)) << again->stdoutText;
  auto inspected = agent->inspect("caps");
  ASSERT_TRUE(inspected);
  EXPECT_EQ(inspected->config.spec.capabilities.bits(), want);
  ASSERT_TRUE(agent->remove("caps", true));
}

TEST(Confinement, DropAllThenAddLeavesOnlyTheAdded) {
  Agent agent;
  container::RunRequest request;
  request.image = "busybox";
  request.name = "only-chown";
  request.args = {"sleep", "30"};
  request.capAdd = {"CHOWN"};
  request.capDrop = {"ALL"};
  auto info = agent->run(request);
  ASSERT_TRUE(info) << info.error().message();
  auto execd = agent->exec("only-chown", {"cat", "/proc/self/status"});
  ASSERT_TRUE(execd) << execd.error().message();
  EXPECT_EQ(capabilityLines(execd->stdoutText), hexLines(1)) << execd->stdoutText;
  ASSERT_TRUE(agent->remove("only-chown", true));
}

TEST(Confinement, AnUnknownCapabilityIsRefusedAndNothingIsCreated) {
  Agent agent;
  container::RunRequest request;
  request.image = "busybox";
  request.name = "bad-cap";
  request.args = {"true"};
  request.capAdd = {"NET_WIZARD"};
  auto info = agent->run(request);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().errnum, EINVAL);
  EXPECT_NE(info.error().message().find("\"NET_WIZARD\""), std::string::npos) << info.error().message();
  auto list = agent->list();
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

namespace {

namespace fs = std::filesystem;

// The busybox image with seccomp-probe in /bin, as a rootfs directory for `run`.
struct ProbeRootfs {
  ScratchDir dir;
  ProbeRootfs() {
    fs::copy(std::string(AGENT_TEST_IMAGES) + "/busybox/rootfs", dir.path(),
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    fs::copy_file(AGENT_TEST_BIN_DIR "/seccomp-probe", dir.path() + "/bin/seccomp-probe");
  }
};

container::RunRequest probeRun(const ProbeRootfs& rootfs, const std::string& name) {
  container::RunRequest request;
  request.rootfs = rootfs.dir.path();
  request.name = name;
  request.args = {"sh", "-c", "grep '^Seccomp:' /proc/self/status; seccomp-probe; exec sleep 30"};
  return request;
}

// The container's output once `probe` printed its last line (epoll).
std::string outputOf(Agent& agent, const std::string& name) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);  // a TCG guest is slow
  while (out.find("epoll ") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (auto read = agent->readLog(name, logQuery(0, std::chrono::milliseconds(0))))
      out = streamsApart(read->chunk.frames).out;
  }
  return out;
}

// What Docker's default profile gives a container with Docker's default capabilities.
const char* const kConfined[] = {"unshare-user EPERM",
                                 "unshare-mount EPERM",
                                 "userns-mount EPERM",
                                 "clone-newuser EPERM",
                                 "keyctl EPERM",
                                 "add_key EPERM",
                                 "reboot EPERM",
                                 "swapon EPERM",
                                 "bpf EPERM",
                                 "socket-vsock EPERM",
                                 "clone3 ENOSYS",
                                 "personality-query ok",
                                 "socket-inet ok",
                                 "fork ok",
                                 "thread ok",
                                 "mmap ok",
                                 "epoll ok"};

void expectConfined(const std::string& out, const std::string& context = "") {
  for (const char* line : kConfined)
    EXPECT_NE(out.find(std::string(line) + "\n"), std::string::npos) << line << "\n" << out << context;
}

}  // namespace

TEST(Confinement, DefaultSeccompRefusesWhatDockerRefusesAndLeavesOrdinaryWork) {
  Agent agent;
  ProbeRootfs rootfs;
  auto info = agent->run(probeRun(rootfs, "probe"));
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->config.spec.seccomp, container::SeccompMode::Default);
  std::string out = outputOf(agent, "probe");
  EXPECT_NE(out.find("Seccomp:\t2\n"), std::string::npos) << out;
  expectConfined(out);

  // An exec'd process gets the same filter, from the record (also after a restart).
  agent.restart();
  auto execd = agent->exec("probe", {"sh", "-c", "grep '^Seccomp:' /proc/self/status; seccomp-probe"});
  ASSERT_TRUE(execd) << execd.error().message();
  EXPECT_NE(execd->stdoutText.find("Seccomp:\t2\n"), std::string::npos) << execd->stdoutText;
  expectConfined(execd->stdoutText, "exit " + std::to_string(execd->exitCode) + ", stderr: " + execd->stderrText);
  ASSERT_TRUE(agent->remove("probe", true));
}

TEST(Confinement, UnconfinedHasNoFilter) {
  Agent agent;
  ProbeRootfs rootfs;
  auto request = probeRun(rootfs, "free");
  request.seccomp = container::SeccompMode::Unconfined;
  auto info = agent->run(request);
  ASSERT_TRUE(info) << info.error().message();
  std::string out = outputOf(agent, "free");
  EXPECT_NE(out.find("Seccomp:\t0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("keyctl ok\n"), std::string::npos) << out;
  auto execd = agent->exec("free", {"grep", "^Seccomp:", "/proc/self/status"});
  ASSERT_TRUE(execd) << execd.error().message();
  EXPECT_EQ(execd->stdoutText, "Seccomp:\t0\n");
  ASSERT_TRUE(agent->remove("free", true));
}

TEST(Confinement, CapSysAdminOpensWhatTheProfileGivesIt) {
  Agent agent;
  ProbeRootfs rootfs;
  auto request = probeRun(rootfs, "admin");
  request.capAdd = {"SYS_ADMIN"};
  auto info = agent->run(request);
  ASSERT_TRUE(info) << info.error().message();
  std::string out = outputOf(agent, "admin");
  EXPECT_NE(out.find("Seccomp:\t2\n"), std::string::npos) << out;
  // Docker's profile allows unshare, mount and clone's namespace flags with CAP_SYS_ADMIN;
  // keyctl stays refused.
  EXPECT_NE(out.find("unshare-mount ok\n"), std::string::npos) << out;
  EXPECT_NE(out.find("keyctl EPERM\n"), std::string::npos) << out;
  ASSERT_TRUE(agent->remove("admin", true));
}

TEST(Confinement, AProfileGivenToRunIsUsedAndABadOneStartsNothing) {
  Agent agent;
  ProbeRootfs rootfs;
  auto request = probeRun(rootfs, "custom");
  request.seccomp = container::SeccompMode::Custom;
  // Everything allowed but keyctl, which gets ENOSYS.
  request.seccompProfile =
      R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_ERRNO",)"
      R"( "errnoRet": 38}]})";
  auto info = agent->run(request);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->config.spec.seccomp, container::SeccompMode::Custom);
  std::string out = outputOf(agent, "custom");
  EXPECT_NE(out.find("Seccomp:\t2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("keyctl ENOSYS\n"), std::string::npos) << out;
  EXPECT_NE(out.find("add_key ok\n"), std::string::npos) << out;
  ASSERT_TRUE(agent->remove("custom", true));

  request.name = "bad-profile";
  request.seccompProfile =
      R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["keyctl"], "action": "NOPE"}]})";
  auto bad = agent->run(request);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("syscalls[0].action"), std::string::npos) << bad.error().message();
  auto list = agent->list();
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}
