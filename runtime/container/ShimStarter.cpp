#include "ShimStarter.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "ChildProcessState.h"
#include "SealedExecutable.h"
#include "TextParse.h"

namespace agent::container {

namespace {

tl::unexpected<ShimStartFailure> failure(Error e, int code = 125) {
  return tl::unexpected(ShimStartFailure{std::move(e), code});
}

void reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// Forks and execs the shim in its own session (agentd's signals and terminal never reach
// it): stdin from `stdinFd` (or /dev/null), stdout into the returned pipe, stderr to
// /dev/null, no other descriptor, default signal state (it sets its own).
tl::expected<std::pair<pid_t, UniqueFd>, ShimStartFailure> spawn(const std::vector<std::string>& argv, int stdinFd) {
  // The sealed copy of agent-shim (SealedExecutable.h): the shim's /proc/<pid>/exe, and its
  // container child's until that execs, must never be the file on the host.
  auto image = sealedExecutable(argv[0]);
  if (!image) return failure(image.error());
  // Built before fork: agentd has threads, so the child may not allocate.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null.valid()) return failure(Error{errno, "/dev/null", "open, to start the shim,"});
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return failure(Error{errno, argv[0], "create a pipe for"});
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(ready[0]);
    ::close(ready[1]);
    return failure(Error{err, argv[0], "fork to start"});
  }
  if (pid == 0) {
    ::setsid();
    resetSignalState();
    // dup2 onto 0, 1, 2 clears close-on-exec there; everything else agentd holds (other
    // shims' pipes, its sockets, what it inherited) is closed before the exec.
    ::dup2(stdinFd >= 0 ? stdinFd : null.get(), STDIN_FILENO);
    ::dup2(ready[1], STDOUT_FILENO);
    ::dup2(null.get(), STDERR_FILENO);
    closeFdsFrom(3, &*image, 1);
    restoreFdLimit();  // after closing: descriptors above the old limit are gone by now
    ::execveat(*image, "", args.data(), environ, AT_EMPTY_PATH);
    ::_exit(127);
  }
  ::close(ready[1]);
  return std::make_pair(pid, UniqueFd(ready[0]));
}

// One line, up to its newline, or what came before EOF if the shim died first. Reads a
// byte at a time: a standby shim writes a second line later on the same pipe.
std::string readLine(int fd) {
  std::string line;
  char c;
  ssize_t n;
  while ((n = ::read(fd, &c, 1)) == 1 || (n < 0 && errno == EINTR)) {
    if (n != 1) continue;
    if (c == '\n') break;
    line += c;
  }
  return line;
}

// "started <pid>" -> the container's pid; "failed <code> <why>" -> the failure (the shim is
// reaped); anything else: the shim died without a report.
tl::expected<pid_t, ShimStartFailure> interpret(const std::string& line, const char* expected, pid_t shimPid,
                                                const std::string& shimPath) {
  std::string_view rest = line;
  std::string_view word = text::nextField(rest);
  if (word == expected) {
    auto containerPid = text::toU64(text::nextField(rest));
    if (containerPid) return static_cast<pid_t>(*containerPid);
  }
  reap(shimPid);
  if (word == "failed") {
    auto code = text::toU64(text::nextField(rest));
    return failure(Error{0, "", std::string(text::trim(rest))}, code ? static_cast<int>(*code) : 125);
  }
  return failure(Error{0, shimPath, "start the shim (it exited without a report; is " + shimPath + " installed?)"});
}

}  // namespace

tl::expected<StartedShim, ShimStartFailure> startShim(const std::string& shimPath, const std::string& bundleDir) {
  auto spawned = spawn({shimPath, "--bundle", bundleDir}, -1);
  if (!spawned) return tl::unexpected(spawned.error());
  auto [pid, ready] = std::move(*spawned);
  auto containerPid = interpret(readLine(ready.get()), "started", pid, shimPath);
  if (!containerPid) return tl::unexpected(containerPid.error());
  return StartedShim{pid, *containerPid};
}

namespace {

// A shim that reports `expected` ("standby", "prepared") with PID 1's pid and waits for "go".
tl::expected<StandbyShim, ShimStartFailure> startPausedShim(const std::vector<std::string>& argv,
                                                            const char* expected) {
  const std::string& shimPath = argv[0];
  int control[2];
  if (::pipe2(control, O_CLOEXEC) != 0) return failure(Error{errno, argv[2], "create a control pipe for"});
  auto spawned = spawn(argv, control[0]);
  ::close(control[0]);
  if (!spawned) {
    ::close(control[1]);
    return tl::unexpected(spawned.error());
  }
  StandbyShim standby;
  standby.shimPid = spawned->first;
  standby.control.reset(control[1]);
  standby.ready = std::move(spawned->second);
  auto containerPid = interpret(readLine(standby.ready.get()), expected, standby.shimPid, shimPath);
  if (!containerPid) return tl::unexpected(containerPid.error());
  standby.containerPid = *containerPid;
  return standby;
}

}  // namespace

tl::expected<StandbyShim, ShimStartFailure> startStandbyShim(const std::string& shimPath, const std::string& bundleDir,
                                                             const std::string& cgroupPath) {
  return startPausedShim({shimPath, "--bundle", bundleDir, "--standby", cgroupPath}, "standby");
}

tl::expected<StandbyShim, ShimStartFailure> startShimAwaitingRelease(const std::string& shimPath,
                                                                     const std::string& bundleDir) {
  return startPausedShim({shimPath, "--bundle", bundleDir, "--await-release"}, "prepared");
}

tl::expected<StartedShim, ShimStartFailure> releaseStandbyShim(StandbyShim& standby, const std::string& shimPath) {
  constexpr std::string_view go = "go\n";
  if (::write(standby.control.get(), go.data(), go.size()) != static_cast<ssize_t>(go.size())) {
    int err = errno;
    dropStandbyShim(standby);
    return failure(Error{err, shimPath, "release a standby container through"});
  }
  standby.control.reset();
  auto containerPid = interpret(readLine(standby.ready.get()), "started", standby.shimPid, shimPath);
  standby.ready.reset();
  if (!containerPid) return tl::unexpected(containerPid.error());
  return StartedShim{standby.shimPid, *containerPid};
}

void dropStandbyShim(StandbyShim& standby) {
  if (standby.shimPid <= 0) return;
  standby.control.reset();  // EOF: the shim kills the prepared child and exits
  standby.ready.reset();
  // Bounded: a copy of the control pipe's write end in another process (a child agentd
  // forked in the same moment, before its exec) delays the EOF. The shim is our child and
  // not yet reaped, so its pid cannot name anyone else: killing it by pid is safe.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, standby.shimPid, 0)));
  pollfd ended{pidfd.get(), POLLIN, 0};
  if (!pidfd.valid() || ::poll(&ended, 1, 2000) != 1) ::kill(standby.shimPid, SIGKILL);
  reap(standby.shimPid);
  standby.shimPid = 0;
}

}  // namespace agent::container
