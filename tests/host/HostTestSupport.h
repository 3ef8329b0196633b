#pragma once
// Support for the host tier: real cgroups on the running kernel, as root.
// Every test works under its own parent cgroup `agent-test-<pid>-<random>` that is killed
// and removed when the test ends, pass or fail. Nothing outside it is ever written.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "Cgroup.h"
#include "ContainerRuntime.h"

namespace agent::hosttest {

// A test whose tool (docker.io, podman, containerd, tmux, umoci...) is missing skips with the
// reason on a developer's machine, and fails under CI (CI set and not "false"): there the set-up
// installs every tool, so a missing one is a set-up fault, never a silent skip.
inline bool underCi() {
  const char* ci = std::getenv("CI");
  return ci && *ci && std::string(ci) != "false";
}
#define AGENT_SKIP_OR_FAIL_UNDER_CI(reason)                                          \
  do {                                                                               \
    if (::agent::hosttest::underCi()) FAIL() << "cannot run under CI: " << (reason); \
    GTEST_SKIP() << (reason);                                                        \
  } while (0)

// Checks root and cgroups once per binary. Outside CI a machine that cannot run the tier
// SKIPs with the reason; under CI (CI=true) it FAILS, so the tier never passes by not running.
class HostEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  static const cgroup::Hierarchy& hierarchy();
};

// The test's own parent cgroup with every container controller.
class TestParent {
 public:
  TestParent();
  ~TestParent();
  TestParent(const TestParent&) = delete;
  TestParent& operator=(const TestParent&) = delete;

  const std::string& path() const { return path_; }
  const cgroup::Cgroup& group() const { return *group_; }
  // A child group "<parent>/<name>" with the given controllers (default: all container ones).
  cgroup::Cgroup child(const std::string& name, cgroup::ControllerSet controllers = cgroup::containerControllers());

 private:
  std::string path_;
  std::optional<cgroup::Cgroup> group_;
};

// A forked child that waits until released (so it can be put in a cgroup first), then runs
// `body` and exits with its return value. Killed and reaped on destruction if still alive.
class ChildProcess {
 public:
  explicit ChildProcess(std::function<int()> body);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void release();
  // Waits for the exit and returns the raw wait status.
  int wait();

 private:
  pid_t pid_ = -1;
  int releaseFd_ = -1;
  bool reaped_ = false;
};

// A scratch directory (container layers, state) removed afterwards. Under $TMPDIR: the VM
// guest points it at a tmpfs because its /tmp is the host's, read-only.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Spins until killed.
int busyLoop();
// CPU usage of the group in ns, from the kernel's own accounting.
uint64_t cpuUsageNs(const cgroup::Cgroup& group);
// The fraction of one CPU the group used over `window` of wall time.
double measureCpuShare(const cgroup::Cgroup& group, std::chrono::milliseconds window);

// A read of a container's output from `position`, waiting up to `wait` for something new.
inline agent::container::LogQuery logQuery(uint64_t position, std::chrono::milliseconds wait) {
  agent::container::LogQuery query;
  query.position = position;
  query.wait = wait;
  return query;
}

// A container's output frames (StreamFrames.h) taken apart by stream.
struct StreamsApart {
  std::string out, err, system;
};
StreamsApart streamsApart(std::string_view frames);

// agentd's seccomp over the repo's default profile, compiled once per test process.
container::SeccompCompile defaultSeccomp();

// A runtime with its own state and data directories and cgroup parent.
struct Agent {
  TestParent parent;
  ScratchDir scratch;
  container::RuntimeConfig config;
  std::optional<container::ContainerRuntime> runtime;

  Agent() {
    config.stateDir = scratch.path() + "/state";
    config.dataDir = scratch.path() + "/data";
    config.shimPath = AGENT_BIN_DIR "/agent-shim";
    config.cgroupParent = parent.path() + "/agent";
    config.seccomp = defaultSeccomp();
    std::filesystem::create_directories(config.dataDir);
    std::filesystem::create_directory_symlink(AGENT_TEST_IMAGES, config.dataDir + "/images");
    restart();
  }
  // A new runtime over the same directories: what agentd sees after a restart.
  void restart() {
    runtime.reset();
    runtime.emplace(config, HostEnvironment::hierarchy());
  }
  container::ContainerRuntime& operator*() { return *runtime; }
  container::ContainerRuntime* operator->() { return &*runtime; }

  container::ContainerInfo run(std::vector<std::string> args, std::string name = "") {
    container::RunRequest request;
    request.image = "busybox";
    request.name = std::move(name);
    request.args = std::move(args);
    auto info = runtime->run(request);
    if (!info) throw std::runtime_error(info.error().message());
    return *info;
  }
};

// agentd's own signal state (Daemon.cpp): SIGTERM, SIGINT, SIGHUP and SIGCHLD blocked for its
// signalfd, SIGPIPE ignored; and signal 32 ignored, as some test runners leave it (glibc's
// sigaction refuses 32 and 33, yet an ignored one passes through fork and exec). Taken by
// this thread (a shim or an exec forks from it) while it lives; dispositions are the process's.
class AgentdSignalState {
 public:
  AgentdSignalState();
  ~AgentdSignalState();
  AgentdSignalState(const AgentdSignalState&) = delete;
  AgentdSignalState& operator=(const AgentdSignalState&) = delete;

 private:
  sigset_t before_{};
  struct sigaction oldPipe_ {};
  struct sigaction oldHup_ {};
};

}  // namespace agent::hosttest
