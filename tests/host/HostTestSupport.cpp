#include "HostTestSupport.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "SeccompSetup.h"
#include "StreamFrames.h"

namespace agent::hosttest {

namespace {
std::optional<cgroup::Hierarchy> detected;

// A test process that crashed could not remove its parent group; remove those whose
// `agent-test-<pid>-` names a process that no longer exists. Nothing else is touched.
void removeGroupsOfDeadTestProcesses(const cgroup::Hierarchy& h) {
  std::vector<std::string> seen;
  for (size_t i = 0; i < cgroup::kControllerCount; ++i) {
    auto controller = static_cast<cgroup::Controller>(i);
    const cgroup::CgroupMount* mount = h.mountFor(controller);
    if (!mount || std::find(seen.begin(), seen.end(), mount->mountPoint) != seen.end()) continue;
    seen.push_back(mount->mountPoint);
    auto dir = Dir::open(mount->mountPoint);
    if (!dir) continue;
    auto names = listSubdirs(*dir);
    if (!names) continue;
    for (const auto& name : *names) {
      unsigned long pid = 0;
      char rest[32];
      if (std::sscanf(name.c_str(), "agent-test-%lu-%31s", &pid, rest) != 2) continue;
      if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
      auto stale = cgroup::Cgroup::open(h, "/" + name, {controller});
      if (!stale) continue;
      (void)stale->killAll();
      if (stale->remove()) std::printf("removed stale test cgroup %s/%s\n", mount->mountPoint.c_str(), name.c_str());
    }
  }
}
}  // namespace

void HostEnvironment::SetUp() {
  std::string problem;
  if (::geteuid() != 0) problem = "the host tier needs root (it creates real cgroups)";
  auto h = cgroup::Hierarchy::detect();
  if (!h && problem.empty()) problem = "no usable cgroup hierarchy: " + h.error().message();
  if (h) {
    for (cgroup::Controller c :
         {cgroup::Controller::Cpu, cgroup::Controller::Memory, cgroup::Controller::Pids, cgroup::Controller::Freezer}) {
      if (!h->mountFor(c) && problem.empty()) {
        problem = "the " + std::string(cgroup::displayName(c)) + " controller is not available";
      }
    }
  }
  if (!problem.empty()) {
    const char* ci = std::getenv("CI");
    if (ci && *ci && std::string(ci) != "false") FAIL() << "host tier cannot run in CI: " << problem;
    GTEST_SKIP() << problem;
  }
  detected = std::move(*h);
  removeGroupsOfDeadTestProcesses(*detected);
}

const cgroup::Hierarchy& HostEnvironment::hierarchy() {
  return *detected;
}

TestParent::TestParent() {
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
  path_ = "/agent-test-" + std::to_string(::getpid()) + "-" + suffix;
  // What the host offers: cgroup v2 has no devices controller (a BPF program stands in).
  auto group = cgroup::Cgroup::create(HostEnvironment::hierarchy(), path_,
                                      HostEnvironment::hierarchy().available(cgroup::containerControllers()));
  if (!group) throw std::runtime_error("create test parent: " + group.error().message());
  group_ = std::move(*group);
}

TestParent::~TestParent() {
  if (!group_) return;
  if (auto killed = group_->killAll(); !killed) ADD_FAILURE() << "cleanup kill: " << killed.error().message();
  if (auto removed = group_->remove(); !removed) ADD_FAILURE() << "cleanup remove: " << removed.error().message();
}

cgroup::Cgroup TestParent::child(const std::string& name, cgroup::ControllerSet controllers) {
  auto group = cgroup::Cgroup::create(HostEnvironment::hierarchy(), path_ + "/" + name,
                                      HostEnvironment::hierarchy().available(controllers));
  if (!group) throw std::runtime_error("create test cgroup: " + group.error().message());
  return std::move(*group);
}

ChildProcess::ChildProcess(std::function<int()> body) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork");
  if (pid_ == 0) {
    ::close(fds[1]);
    char go;
    if (::read(fds[0], &go, 1) != 1) ::_exit(120);
    ::close(fds[0]);
    ::_exit(body());
  }
  ::close(fds[0]);
  releaseFd_ = fds[1];
}

ChildProcess::~ChildProcess() {
  if (releaseFd_ >= 0) ::close(releaseFd_);
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    // A child held by a freezer cannot die until thawed; after a failed test it may be, so
    // wait a bounded time and leave the rest to TestParent's cleanup rather than hang.
    for (int i = 0; i < 500; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) != 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "child " << pid_ << " did not end within 5 s of SIGKILL";
  }
}

void ChildProcess::release() {
  char go = 'g';
  if (::write(releaseFd_, &go, 1) != 1) ADD_FAILURE() << "release child";
  ::close(releaseFd_);
  releaseFd_ = -1;
}

int ChildProcess::wait() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  reaped_ = true;
  return status;
}

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/agent-test-scratch-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp " + templ);
  path_ = templ;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

int busyLoop() {
  volatile uint64_t spin = 0;
  while (true) spin = spin + 1;
}

uint64_t cpuUsageNs(const cgroup::Cgroup& group) {
  cgroup::Stats stats;
  auto read = group.readStats(stats);
  EXPECT_TRUE(read) << read.error().message();
  EXPECT_TRUE(stats.cpu.usageNs.has_value());
  return stats.cpu.usageNs.value_or(0);
}

double measureCpuShare(const cgroup::Cgroup& group, std::chrono::milliseconds window) {
  auto t0 = std::chrono::steady_clock::now();
  uint64_t u0 = cpuUsageNs(group);
  std::this_thread::sleep_for(window);
  uint64_t u1 = cpuUsageNs(group);
  auto t1 = std::chrono::steady_clock::now();
  double wallNs = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  return static_cast<double>(u1 - u0) / wallNs;
}

StreamsApart streamsApart(std::string_view frames) {
  StreamsApart apart;
  auto used = forEachFrame(frames, [&](OutputStream stream, std::string_view payload) {
    (stream == OutputStream::Stdout ? apart.out : stream == OutputStream::Stderr ? apart.err : apart.system) += payload;
  });
  if (!used || *used != frames.size()) throw std::runtime_error("not whole output frames");
  return apart;
}

namespace {

// rt_sigaction(2) with the kernel's struct: glibc's sigaction() refuses signals 32 and 33.
void setKernelDisposition(int sig, void (*handler)(int)) {
  struct KernelSigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    unsigned long mask;
  } action{handler, 0, nullptr, 0};
  ::syscall(SYS_rt_sigaction, sig, &action, nullptr, sizeof action.mask);
}

}  // namespace

AgentdSignalState::AgentdSignalState() {
  sigset_t blocked;
  sigemptyset(&blocked);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&blocked, s);
  ::pthread_sigmask(SIG_BLOCK, &blocked, &before_);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &oldPipe_);
  ::sigaction(SIGHUP, &ignore, &oldHup_);
  setKernelDisposition(32, SIG_IGN);
}

AgentdSignalState::~AgentdSignalState() {
  setKernelDisposition(32, SIG_DFL);
  ::sigaction(SIGPIPE, &oldPipe_, nullptr);
  ::sigaction(SIGHUP, &oldHup_, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &before_, nullptr);
}

container::SeccompCompile defaultSeccomp() {
  static const container::SeccompCompile compile = [] {
    auto loaded = loadSeccompProfile(AGENT_SECCOMP_PROFILE);
    if (!loaded) throw std::runtime_error(loaded.error().message());
    return *loaded;
  }();
  return compile;
}

}  // namespace agent::hosttest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new agent::hosttest::HostEnvironment);
  return RUN_ALL_TESTS();
}
