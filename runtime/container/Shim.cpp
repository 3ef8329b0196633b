#include "Shim.h"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "AttachPoint.h"
#include "ChildProcessState.h"
#include "Launcher.h"
#include "LogFile.h"
#include "OutputPump.h"
#include "ProcFs.h"
#include "StateStore.h"

namespace agent::container {

namespace {

void report(int& readyFd, const std::string& line, bool last = true) {
  if (readyFd < 0) return;
  std::string text = line + "\n";
  (void)!::write(readyFd, text.data(), text.size());
  if (!last) return;
  ::close(readyFd);
  readyFd = -1;
}

// One line from agentd on `fd`: "go" releases a standby container; EOF means agentd dropped
// it (or died).
bool awaitRelease(int fd) {
  std::string line;
  char c;
  ssize_t n;
  while ((n = ::read(fd, &c, 1)) == 1 || (n < 0 && errno == EINTR)) {
    if (n != 1) continue;
    if (c == '\n') return line == "go";
    line += c;
  }
  return false;
}

ExitRecord exitRecordOf(int status) {
  ExitRecord record;
  record.finishedAtUnixMs = nowUnixMs();
  if (WIFSIGNALED(status)) {
    record.signal = WTERMSIG(status);
    record.exitCode = 128 + WTERMSIG(status);
  } else {
    record.exitCode = WEXITSTATUS(status);
  }
  return record;
}

}  // namespace

int runShim(const ShimOptions& options) {
  // Whatever agentd's signal state was, the shim sets its own: no signal but SIGKILL ends it
  // while its container runs (see ChildProcessState.h).
  ignoreStraySignals();
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

  int readyFd = options.readyFd;
  std::filesystem::path bundle(options.bundleDir);
  StateStore store(bundle.parent_path().string());
  std::string id = bundle.filename().string();
  auto fail = [&](int code, const std::string& why) {
    ExitRecord record;
    record.exitCode = code;
    record.error = why;
    record.finishedAtUnixMs = nowUnixMs();
    (void)store.writeExit(id, record);
    report(readyFd, "failed " + std::to_string(code) + " " + why);
    return 1;
  };

  auto readSpec = [&]() -> Result<ContainerSpec> {
    auto config = store.readConfig(id);
    if (!config) return tl::unexpected(config.error());
    return config->spec;
  };

  std::optional<PreparedContainer> standby;
  std::optional<OutputPipes> output;  // PID 1's stdout and stderr, apart
  if (options.standby) {
    // Ahead of any request: namespaces made and the cgroup joined, so that a `run` only has
    // to release it. Nothing is recorded for it until then; agentd cleans up a dropped one.
    auto hierarchy = cgroup::Hierarchy::detect();
    if (!hierarchy) return report(readyFd, "failed 125 " + hierarchy.error().message()), 1;
    auto group =
        cgroup::Cgroup::open(*hierarchy, options.cgroupPath, hierarchy->available(cgroup::containerControllers()));
    if (!group) return report(readyFd, "failed 125 " + group.error().message()), 1;
    auto pipes = OutputPipes::create();
    if (!pipes) return report(readyFd, "failed 125 " + pipes.error().message()), 1;
    output = std::move(*pipes);
    auto prepared = prepareContainer(NetworkMode::None, *group,
                                     LaunchIo{-1, output->stdoutWrite.get(), output->stderrWrite.get()}, readSpec);
    output->closeWriteEnds();
    if (!prepared) return report(readyFd, "failed 125 " + prepared.error().error.message()), 1;
    standby = *prepared;
    report(readyFd, "standby " + std::to_string(standby->pid), false);
    if (!awaitRelease(options.controlFd)) {
      abandonContainer(*standby);
      return 0;
    }
    // Released: the control pipe has done its job.
    if (int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC); null >= 0) {
      ::dup2(null, options.controlFd);
      ::close(null);
    }
  }

  auto config = store.readConfig(id);
  if (!config) {
    if (standby) abandonContainer(*standby);
    return fail(kExitSetupFailed, config.error().message());
  }
  auto log = LogFile::open(config->logPath, config->logMaxBytes);
  if (!log) {
    if (standby) abandonContainer(*standby);
    return fail(kExitSetupFailed, log.error().message());
  }
  tl::expected<pid_t, LaunchFailure> pid;
  std::unique_ptr<AttachPoint> attach;  // -t or -i (agentd never gives those a standby)
  if (standby) {
    pid = releaseContainer(*standby);
  } else {
    auto hierarchy = cgroup::Hierarchy::detect();
    if (!hierarchy) return fail(kExitSetupFailed, hierarchy.error().message());
    auto group =
        cgroup::Cgroup::open(*hierarchy, config->cgroupPath, hierarchy->available(cgroup::containerControllers()));
    if (!group) return fail(kExitSetupFailed, group.error().message());
    auto pipes = OutputPipes::create();
    if (!pipes) return fail(kExitSetupFailed, pipes.error().message());
    output = std::move(*pipes);
    LaunchIo io{-1, output->stdoutWrite.get(), output->stderrWrite.get()};
    if (config->spec.tty || config->spec.openStdin) {
      auto point = AttachPoint::create(options.bundleDir, config->spec.tty);
      if (!point) return fail(kExitSetupFailed, point.error().message());
      attach = std::move(*point);
      io = attach->tty() ? LaunchIo{-1, io.stdoutFd, io.stderrFd, attach->containerEnd()}
                         : LaunchIo{attach->containerEnd(), io.stdoutFd, io.stderrFd};
      if (config->spec.consoleRows > 0 && config->spec.consoleColumns > 0) {
        io.consoleRows = config->spec.consoleRows;
        io.consoleColumns = config->spec.consoleColumns;
      }
    }
    BeforeRelease beforeRelease;
    bool dropped = false;  // agentd gave it up (its network failed): it cleans up and reports why
    if (options.awaitRelease) {
      beforeRelease = [&](pid_t prepared) -> Result<void> {
        report(readyFd, "prepared " + std::to_string(prepared), false);
        if (awaitRelease(options.controlFd)) return {};
        dropped = true;
        return userError("agentd gave up the container before it started");
      };
    }
    pid = launchContainer(config->spec, *group, io, beforeRelease);
    if (dropped) return 0;  // PID 1 was abandoned (killed and reaped) by launchContainer
    output->closeWriteEnds();
    if (attach) attach->closeContainerEnd();
    // PID 1 sent its terminal's master before it exec'd its command (a failure before that
    // is the launch's own).
    if (pid && attach && attach->tty()) {
      if (auto received = attach->receiveTerminal(5000); !received) {
        ::kill(*pid, SIGKILL);
        ::waitpid(*pid, nullptr, 0);
        return fail(kExitSetupFailed, "the container's terminal: " + received.error().message());
      }
    }
  }
  if (!pid) {
    std::string why = pid.error().error.message();
    (void)log->append(OutputStream::System, "agent-shim: " + why + "\n");
    return fail(pid.error().exitCode, why);
  }

  PidRecord record;
  record.pid = *pid;
  record.startedAtUnixMs = nowUnixMs();
  if (auto stat = proc::ProcFs().readStat(*pid)) record.startTimeTicks = stat->startTimeTicks;
  record.shimPid = ::getpid();
  if (auto stat = proc::ProcFs().readStat(0)) record.shimStartTimeTicks = stat->startTimeTicks;
  if (auto written = store.writePid(id, record); !written) {
    ::kill(*pid, SIGKILL);  // a container agentd could never find again must not run
    return fail(kExitSetupFailed, written.error().message());
  }
  report(readyFd, "started " + std::to_string(*pid));

  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, *pid, 0));
  OutputPump pump(std::move(*output), *log, options.bundleDir);
  // The shim lives as long as its container, mostly asleep in poll: what setup allocated
  // (the bundle's JSON, the spec) goes back to the kernel instead of staying resident.
  ::malloc_trim(0);
  int status = 0;
  while (true) {
    constexpr size_t kPidfd = OutputPump::kPollFds, kAttach = kPidfd + 1;
    pollfd fds[kAttach + AttachPoint::kPollFds];
    pump.preparePoll(fds);
    fds[kPidfd] = {pidfd, POLLIN, 0};
    for (size_t i = kAttach; i < kAttach + AttachPoint::kPollFds; ++i) fds[i] = {-1, 0, 0};
    if (attach) attach->preparePoll(fds + kAttach);
    int timeout = pump.pollTimeoutMs();
    if (pidfd < 0) timeout = timeout < 0 ? 200 : std::min(timeout, 200);
    int ready = ::poll(fds, kAttach + AttachPoint::kPollFds, timeout);
    if (ready < 0 && errno != EINTR) break;
    if (ready < 0) continue;
    pump.afterPoll(fds);
    if (attach) attach->afterPoll(fds + kAttach, *log);
    bool exited = fds[kPidfd].revents != 0;
    if (pidfd < 0)
      exited = ::waitpid(*pid, &status, WNOHANG) == *pid;
    else if (exited)
      ::waitpid(*pid, &status, 0);
    if (exited) break;
    // Processes re-parented to the shim (subreaper) are reaped as they end. PID 1 may end
    // between the poll and here: its status is kept (reaped without it, it was recorded 0).
    int reapedStatus = 0;
    for (pid_t reaped; (reaped = ::waitpid(-1, &reapedStatus, WNOHANG)) > 0;) {
      if (reaped == *pid) status = reapedStatus, exited = true;
    }
    if (exited) break;
  }
  // PID 1's end takes down its pid namespace; drain what it and its children wrote.
  pump.drain();
  if (attach) attach->drain(*log);
  auto written = store.writeExit(id, exitRecordOf(status));
  attach.reset();  // after the exit record: an attached client that sees the end finds the code
  return written ? 0 : 1;
}

}  // namespace agent::container
