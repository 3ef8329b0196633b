#include "Exec.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "Capabilities.h"
#include "ChildProcessState.h"
#include "UniqueFd.h"
#include "WorkingDirectory.h"

namespace agent::container {

namespace {

// Joined in this order: the mount namespace last, because joining it changes what the
// /proc paths of the others would resolve to (they are opened before anyway).
constexpr const char* kNamespaces[] = {"cgroup", "ipc", "uts", "net", "pid", "mnt"};

int exitCodeOf(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

[[noreturn]] void runInside(const std::vector<std::string>& args, const std::vector<std::string>& env,
                            const ExecConfinement& confinement, int out, int err) {
  // The command starts as a container's PID 1 does: agentd's blocked signals (SIGTERM,
  // SIGINT, SIGHUP, SIGCHLD) and ignored ones (SIGPIPE) are not its, and a session of its
  // own keeps a signal to its process group (`kill 0`) from reaching agentd's group.
  resetSignalState();
  ::setsid();
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  // Opened after joining the mount namespace: the container's /dev/null, not agentd's.
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0) ::dup2(null, STDIN_FILENO);
  // Only stdio passes in: agentd's descriptors (and what agentd inherited) would be the
  // container's to write to or, for a directory, to leave its root by (CVE-2024-21626).
  closeFdsFrom(3);
  restoreFdLimit();
  // setns into the mount namespace moved root and cwd to its root; check that it did.
  if (::chdir("/") != 0 || !workingDirectoryInsideRoot() || !applyCapabilities(confinement.capabilities)) ::_exit(125);
  ::clearenv();
  ::putenv(const_cast<char*>("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  for (const auto& entry : env) ::putenv(::strdup(entry.c_str()));
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  if (!installSeccompFilter(confinement.seccomp)) ::_exit(125);  // last: after no_new_privs
  ::execvp(argv[0], argv.data());
  int e = errno;
  std::string message =
      "exec: `" + args[0] + "`: " + (e == ENOENT ? "command not found in the container" : std::strerror(e)) + "\n";
  (void)!::write(STDERR_FILENO, message.data(), message.size());
  ::_exit(e == ENOENT ? 127 : 126);
}

}  // namespace

Result<ExecResult> execInContainer(pid_t pid1, const cgroup::Cgroup& group, const std::vector<std::string>& args,
                                   const std::vector<std::string>& env, const ExecConfinement& confinement) {
  if (args.empty()) return logicError("exec (no command given) in", group.path());
  std::vector<UniqueFd> namespaces;
  for (const char* type : kNamespaces) {
    std::string path = "/proc/" + std::to_string(pid1) + "/ns/" + type;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return systemError("open namespace", path);
    namespaces.push_back(std::move(fd));
  }
  // setns into the mount namespace makes the namespace's own root the process's root, which
  // is PID 1's pivoted root only when agentd's root is its namespace's (not when agentd runs
  // chrooted, as in the test guest): PID 1's root is entered explicitly, as nsenter --root.
  std::string rootPath = "/proc/" + std::to_string(pid1) + "/root";
  UniqueFd root(::open(rootPath.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return systemError("open the root of", rootPath);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    return systemError("create pipes for exec in", group.path());

  std::vector<int> keep = {out[1], err[1]};
  for (const auto& fd : namespaces) keep.push_back(fd.get());
  keep.push_back(root.get());
  pid_t helper = ::fork();
  if (helper < 0) return systemError("fork for exec in", group.path());
  if (helper == 0) {
    if (!group.attach(::getpid())) ::_exit(125);
    // Only what the helper needs stays open: a copy of agentd's descriptors held for the
    // whole exec would keep a standby shim's control pipe (its EOF drops the standby), the
    // state directory's lock and agentd's sockets alive.
    closeFdsFrom(3, keep.data(), static_cast<int>(keep.size()));
    for (const auto& fd : namespaces) {
      if (::setns(fd.get(), 0) != 0) ::_exit(125);
    }
    if (::fchdir(root.get()) != 0 || ::chroot(".") != 0) ::_exit(125);
    // setns on a pid namespace applies to children only: the command runs in a child.
    pid_t inside = ::fork();
    if (inside < 0) ::_exit(125);
    if (inside == 0) runInside(args, env, confinement, out[1], err[1]);
    ::close(out[1]);
    ::close(err[1]);
    int status = 0;
    while (::waitpid(inside, &status, 0) < 0 && errno == EINTR) {
    }
    ::_exit(exitCodeOf(status));
  }
  ::close(out[1]);
  ::close(err[1]);

  ExecResult result;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.stdoutText, &result.stderrText};
  int open = 2;
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char chunk[16384];
      ssize_t n = ::read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        sinks[i]->append(chunk, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  int status = 0;
  while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }
  result.exitCode = exitCodeOf(status);
  if (result.exitCode == 125 && result.stderrText.empty()) {
    return userError("exec could not join the container of cgroup " + group.path() + ": it has stopped meanwhile",
                     ESRCH);
  }
  return result;
}

}  // namespace agent::container
