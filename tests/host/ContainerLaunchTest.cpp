// The launcher on this kernel: a real container from the busybox image, checked from the
// inside (what it sees) and from the host (namespaces, cgroup, image untouched, no mounts).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "Exec.h"
#include "HostTestSupport.h"
#include "Launcher.h"
#include "Namespaces.h"

using namespace agent;
using namespace agent::hosttest;
namespace fs = std::filesystem;

namespace {

struct Ran {
  int status = -1;  // raw wait status
  std::string out;
};

container::ContainerSpec busybox(const std::string& layerDir, std::vector<std::string> args) {
  container::ContainerSpec spec;
  spec.id = "test";
  spec.hostname = "ctr-under-test";
  spec.imageRootfs = AGENT_TEST_IMAGES "/busybox/rootfs";
  spec.layerDir = layerDir;
  spec.args = std::move(args);
  return spec;
}

// Launches, collects stdout+stderr until the container exits, reaps it.
Ran run(const container::ContainerSpec& spec, const cgroup::Cgroup& group) {
  int out[2];
  EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
  container::LaunchIo io{-1, out[1], out[1]};
  auto pid = container::launchContainer(spec, group, io);
  ::close(out[1]);
  Ran ran;
  if (!pid) {
    ADD_FAILURE() << pid.error().error.message();
    ::close(out[0]);
    return ran;
  }
  char chunk[4096];
  ssize_t n;
  while ((n = ::read(out[0], chunk, sizeof chunk)) > 0) ran.out.append(chunk, static_cast<size_t>(n));
  ::close(out[0]);
  ::waitpid(*pid, &ran.status, 0);
  return ran;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

}  // namespace

namespace {

// What the container wrote to `fd` up to its "ready" line (or its end); closes `fd`.
std::string readUntilReady(int fd) {
  std::string text;
  char chunk[4096];
  while (text.find("ready") == std::string::npos) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    text.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace

TEST(Container, SeesItselfAsPid1WithItsOwnHostnameAndOnlyLoopback) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  ScratchDir layer;
  Ran ran =
      run(busybox(layer.path(), {"sh", "-c", "echo $$; hostname; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"}),
          group);
  ASSERT_TRUE(WIFEXITED(ran.status) && WEXITSTATUS(ran.status) == 0) << ran.out;
  EXPECT_EQ(lines(ran.out), (std::vector<std::string>{"1", "ctr-under-test", "lo"})) << ran.out;
}

TEST(Container, PsListsOnlyTheContainersProcesses) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  ScratchDir layer;
  Ran ran = run(busybox(layer.path(), {"sh", "-c", "ps -o pid,comm | tail -n +2"}), group);
  ASSERT_TRUE(WIFEXITED(ran.status) && WEXITSTATUS(ran.status) == 0) << ran.out;
  auto processes = lines(ran.out);
  ASSERT_FALSE(processes.empty());
  EXPECT_LE(processes.size(), 3u) << ran.out;  // sh, ps (and a pipeline helper at most)
  EXPECT_NE(ran.out.find("1 sh"), std::string::npos) << ran.out;
}

TEST(Container, NamespacesDifferFromTheHostsAndItStartsInItsCgroup) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  ScratchDir layer;
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  auto pid = container::launchContainer(
      busybox(layer.path(), {"sh", "-c", "cat /proc/self/cgroup; echo ready; exec sleep 30"}), group,
      container::LaunchIo{-1, out[1], out[1]});
  ::close(out[1]);
  ASSERT_TRUE(pid) << pid.error().error.message();
  std::string text = readUntilReady(out[0]);

  auto mine = ns::readNamespaces("/proc", 0);
  auto theirs = ns::readNamespaces("/proc", *pid);
  ASSERT_TRUE(mine && theirs);
  for (const char* type : {"pid_for_children", "mnt", "uts", "ipc", "net", "cgroup"}) {
    uint64_t a = 0, b = 0;
    for (const auto& id : *mine) a = id.type == type ? id.inode : a;
    for (const auto& id : *theirs) b = id.type == type ? id.inode : b;
    EXPECT_NE(a, 0u) << type;
    EXPECT_NE(a, b) << type << " namespace is shared with the host";
  }
  // It joined its cgroup before unsharing the cgroup namespace, i.e. before the command ran:
  // inside, every hierarchy shows the container's cgroup as "/".
  for (const auto& line : lines(text)) {
    if (line == "ready") break;
    EXPECT_EQ(line.substr(line.rfind(':')), ":/") << text;
  }
  auto inGroup = group.pids();
  ASSERT_TRUE(inGroup);
  EXPECT_EQ(*inGroup, std::vector<pid_t>{*pid});
  ::kill(*pid, SIGKILL);
  int status;
  ::waitpid(*pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST(Container, WritesStayInItsLayerAndNoMountOutlivesIt) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  ScratchDir layer;
  const std::string image = AGENT_TEST_IMAGES "/busybox/rootfs";
  Ran ran = run(busybox(layer.path(), {"sh", "-c", "echo inside > /etc/written-inside && rm /bin/ls"}), group);
  ASSERT_TRUE(WIFEXITED(ran.status) && WEXITSTATUS(ran.status) == 0) << ran.out;
  EXPECT_FALSE(fs::exists(image + "/etc/written-inside"));
  EXPECT_TRUE(fs::is_symlink(image + "/bin/ls")) << "the image lost a file";
  EXPECT_TRUE(fs::exists(layer.path() + "/upper/etc/written-inside"));
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string mounts((std::istreambuf_iterator<char>(mountinfo)), std::istreambuf_iterator<char>());
  EXPECT_EQ(mounts.find(layer.path()), std::string::npos) << "a container mount is visible on the host";
}

TEST(Container, ExitCodesAndSignalsComeThrough) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  ScratchDir layer;
  Ran seven = run(busybox(layer.path(), {"sh", "-c", "exit 7"}), group);
  ASSERT_TRUE(WIFEXITED(seven.status));
  EXPECT_EQ(WEXITSTATUS(seven.status), 7);
  ScratchDir layer2;
  Ran killed = run(busybox(layer2.path(), {"sh", "-c", "kill -KILL $$"}), group);
  // PID 1 of a pid namespace ignores signals it has no handler for unless they come from
  // outside; SIGKILL from itself is among them, so it exits by its own hand instead.
  EXPECT_TRUE(WIFEXITED(killed.status) || (WIFSIGNALED(killed.status) && WTERMSIG(killed.status) == SIGKILL));
}

TEST(Container, MissingCommandIs127WithAClearMessage) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  ScratchDir layer;
  auto pid = container::launchContainer(busybox(layer.path(), {"no-such-command", "x"}), group, {});
  ASSERT_FALSE(pid);
  EXPECT_EQ(pid.error().exitCode, container::kExitCommandNotFound);
  EXPECT_NE(pid.error().error.message().find("`no-such-command`: command not found in the image"), std::string::npos)
      << pid.error().error.message();
}

TEST(Container, RunsWithDockersDefaultCapabilitiesAndProtectedProc) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  ScratchDir layer;
  // The masked /proc files this kernel has must read empty inside.
  std::string masked;
  for (const char* file : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"}) {
    if (fs::exists(file)) masked += std::string(" ") + file;
  }
  ASSERT_FALSE(masked.empty());
  Ran ran = run(busybox(layer.path(), {"sh", "-c",
                                       "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status; "
                                       "for f in" +
                                           masked +
                                           "; do echo masked $(wc -c < $f); done; "
                                           "echo 1 > /proc/sys/vm/drop_caches && echo WROTE-PROC-SYS; "
                                           "mount -t tmpfs x /mnt 2>/dev/null && echo MOUNTED; true"}),
                group);
  EXPECT_NE(ran.out.find("CapEff:\t00000000a80425fb"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("CapBnd:\t00000000a80425fb"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("NoNewPrivs:\t1"), std::string::npos) << ran.out;
  size_t maskedCount = 0;
  for (const auto& line : lines(ran.out)) {
    if (line.rfind("masked ", 0) != 0) continue;
    ++maskedCount;
    EXPECT_EQ(line, "masked 0") << ran.out;
  }
  EXPECT_GE(maskedCount, 1u) << ran.out;
  EXPECT_EQ(ran.out.find("WROTE-PROC-SYS"), std::string::npos) << ran.out;
  EXPECT_EQ(ran.out.find("MOUNTED"), std::string::npos) << "CAP_SYS_ADMIN was not dropped";
}

TEST(Container, LimitsHoldFromTheFirstInstruction) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  cgroup::Limits limits;
  limits.pidsMax = cgroup::Bound::of(4);
  ASSERT_TRUE(group.applyLimits(limits));
  ScratchDir layer;
  // PID 1 plus three sleepers fill pids.max = 4; the fourth fork fails and ash gives up.
  Ran ran = run(busybox(layer.path(), {"sh", "-c",
                                       "i=0; while [ $i -lt 8 ]; do sleep 5 & i=$((i+1)); echo forked $i; done; "
                                       "echo all-forked"}),
                group);
  EXPECT_NE(ran.out.find("forked 3\n"), std::string::npos) << ran.out;
  EXPECT_EQ(ran.out.find("forked 4\n"), std::string::npos) << "pids.max did not hold: " << ran.out;
  EXPECT_EQ(ran.out.find("all-forked"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("can't fork"), std::string::npos) << ran.out;
}

namespace {

// The descriptor numbers open in /proc/<pid>/fd, sorted.
std::vector<int> openFds(pid_t pid) {
  std::vector<int> fds;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    fds.push_back(std::stoi(entry.path().filename().string()));
  std::sort(fds.begin(), fds.end());
  return fds;
}

// A host file held open without close-on-exec, as agentd's parent may hand one over.
struct InheritedHostFile {
  ScratchDir dir;
  std::string path = dir.path() + "/host-file";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);  // no O_CLOEXEC: the point
  ~InheritedHostFile() { ::close(fd); }
  std::string contents() const {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

}  // namespace

// CVE-2024-21626 class: nothing of the launcher's passes into PID 1 but stdio, and stdin is
// the container's own /dev/null (the host's showed as "/null" inside).
TEST(Container, Pid1HasOnlyStdioOpenAndItsOwnDevNull) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  ScratchDir layer;
  InheritedHostFile host;
  ASSERT_GE(host.fd, 3);
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  std::string script = "readlink /proc/self/fd/0; (echo x >&" + std::to_string(host.fd) +
                       ") 2>/dev/null && echo wrote; echo ready; exec sleep 30";
  auto pid = container::launchContainer(busybox(layer.path(), {"sh", "-c", script}), group,
                                        container::LaunchIo{-1, out[1], out[1]});
  ::close(out[1]);
  ASSERT_TRUE(pid) << pid.error().error.message();
  std::string text = readUntilReady(out[0]);
  EXPECT_EQ(openFds(*pid), (std::vector<int>{0, 1, 2})) << "open in the container's PID 1";
  ::kill(*pid, SIGKILL);
  ::waitpid(*pid, nullptr, 0);
  EXPECT_EQ(lines(text), (std::vector<std::string>{"/dev/null", "ready"})) << text;
  EXPECT_EQ(host.contents(), "");
}

// A working directory through a descriptor on a host directory (runc's `cwd =
// /proc/self/fd/7`) or a relative one is refused before the command runs.
TEST(Container, WorkingDirectoryOutsideTheRootIsRefused) {
  TestParent parent;
  ScratchDir hostDir;
  int dirFd = ::open(hostDir.path().c_str(), O_RDONLY | O_DIRECTORY);  // no O_CLOEXEC: the point
  ASSERT_GE(dirFd, 3);
  int attempt = 0;
  for (std::string cwd : {"/proc/self/fd/" + std::to_string(dirFd), std::string("/proc/1/cwd"), std::string("tmp")}) {
    cgroup::Cgroup group = parent.child("ctr" + std::to_string(++attempt));
    ScratchDir layer;
    auto spec = busybox(layer.path(), {"sh", "-c", "pwd; touch escaped"});
    spec.cwd = cwd;
    int out[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    auto pid = container::launchContainer(spec, group, container::LaunchIo{-1, out[1], out[1]});
    ::close(out[1]);
    ::close(out[0]);
    if (pid) ::waitpid(*pid, nullptr, 0);
    ASSERT_FALSE(pid) << "started in " << cwd;
    EXPECT_NE(pid.error().error.message().find("working directory"), std::string::npos) << pid.error().error.message();
    EXPECT_FALSE(fs::exists(hostDir.path() + "/escaped")) << cwd;
  }
  ::close(dirFd);
}

// An image's own directory is a working directory as before.
TEST(Container, WorkingDirectoryInsideTheRootIsEntered) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  ScratchDir layer;
  auto spec = busybox(layer.path(), {"pwd"});
  spec.cwd = "/etc/../tmp";
  Ran ran = run(spec, group);
  ASSERT_TRUE(WIFEXITED(ran.status) && WEXITSTATUS(ran.status) == 0) << ran.out;
  EXPECT_EQ(lines(ran.out), (std::vector<std::string>{"/tmp"}));
}

// An image's WorkingDir that the image lacks is made, as Docker makes it, also under a
// read-only root (made before the root turns read-only), in the container's upper layer only;
// a symlink in the image on the way is followed inside the root, never to the host.
TEST(Container, AMissingWorkingDirectoryIsMadeInsideTheRootEvenWhenItIsReadOnly) {
  TestParent parent;
  ScratchDir layer;
  cgroup::Cgroup group = parent.child("ctr");
  auto spec = busybox(layer.path(), {"sh", "-c", "pwd; touch x 2>&1 | grep -c 'Read-only'"});
  spec.cwd = "/srv/app/data";
  spec.readOnlyRoot = true;
  Ran ran = run(spec, group);
  ASSERT_TRUE(WIFEXITED(ran.status) && WEXITSTATUS(ran.status) == 0) << ran.out;
  EXPECT_EQ(lines(ran.out), (std::vector<std::string>{"/srv/app/data", "1"}));
  struct stat st;
  ASSERT_EQ(::stat((layer.path() + "/upper/srv/app/data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_FALSE(fs::exists(AGENT_TEST_IMAGES "/busybox/rootfs/srv"));

  // A WorkingDir through a link in the image that climbs out to a host directory: resolved
  // inside the root, where that directory does not exist, so the start is refused; nothing
  // is made on the host.
  ScratchDir hostDir, layer2;
  cgroup::Cgroup group2 = parent.child("ctr2");
  auto climbing = busybox(layer2.path(), {"pwd"});
  fs::create_directories(layer2.path() + "/upper");
  fs::create_symlink("../../../../../../.." + hostDir.path(), layer2.path() + "/upper/out");
  climbing.cwd = "/out/made";
  auto pid = container::launchContainer(climbing, group2, container::LaunchIo{-1, -1, -1});
  if (pid) ::waitpid(*pid, nullptr, 0);
  ASSERT_FALSE(pid) << "started in /out/made";
  EXPECT_NE(pid.error().error.message().find("make the working directory"), std::string::npos)
      << pid.error().error.message();
  EXPECT_EQ(fs::directory_iterator(hostDir.path()), fs::directory_iterator()) << "made on the host";
}

// The exec path: a process exec'd into a running container has stdio and nothing else of
// its starter's (the test process here, agentd in production), even a descriptor held
// without close-on-exec.
TEST(Container, ExecdProcessHasOnlyStdioOpen) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  ScratchDir layer;
  InheritedHostFile host;
  ASSERT_GE(host.fd, 3);
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  auto pid = container::launchContainer(busybox(layer.path(), {"sh", "-c", "echo ready; exec sleep 30"}), group,
                                        container::LaunchIo{-1, out[1], out[1]});
  ::close(out[1]);
  ASSERT_TRUE(pid) << pid.error().error.message();
  char chunk[64];
  ASSERT_GT(::read(out[0], chunk, sizeof chunk), 0);
  ::close(out[0]);
  // ls lists the shell's 0, 1, 2 and its own handle on the directory (3).
  std::string fd = std::to_string(host.fd);
  auto result = container::execInContainer(
      *pid, group,
      {"sh", "-c", "(echo x >&" + fd + ") 2>/dev/null && echo wrote; readlink /proc/self/fd/0; ls /proc/self/fd; true"},
      {}, AGENT_BIN_DIR "/agent-shim");
  ::kill(*pid, SIGKILL);
  ::waitpid(*pid, nullptr, 0);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(lines(result->stdoutText), (std::vector<std::string>{"/dev/null", "0", "1", "2", "3"}))
      << result->stdoutText << result->stderrText;
  EXPECT_EQ(host.contents(), "");
}
