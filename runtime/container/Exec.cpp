#include "Exec.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "Capabilities.h"
#include "ChildProcessState.h"
#include "ContainerUser.h"
#include "ExecTerminal.h"
#include "SealedExecutable.h"
#include "SeccompFilter.h"
#include "UniqueFd.h"
#include "UserNamespace.h"
#include "WorkingDirectory.h"

namespace agent::container {

namespace {

// Joined in this order: the user namespace first (its root may then join the namespaces it
// owns), the mount namespace last, because joining it changes what the /proc paths of the
// others would resolve to (they are opened before anyway).
constexpr const char* kNamespaces[] = {"user", "cgroup", "ipc", "uts", "net", "pid", "mnt"};

int exitCodeOf(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

std::vector<char*> pointersTo(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

void runExecHelper(const ExecHelperRequest& request) {
  // Runs as `agent-shim --exec`, from agentd's sealed copy of agent-shim: /proc/<pid>/exe of
  // this process and of the command's process until its exec is that sealed memfd, which
  // nothing can write (CVE-2019-5736). stdout and stderr are agentd's pipes already.

  // 1. Not dumpable (inherited by the command's process until its exec): container root,
  //    which lacks CAP_SYS_PTRACE, cannot open our /proc/<pid>/exe, fd/ or environ while we join.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

  // 1b. The container's seccomp filter (SeccompFilter.h), read while this process still sees
  //     the host's state directory; installed last, in the command's process.
  auto seccomp = readSeccompFilter(request.seccompFilterPath);
  if (!seccomp) {
    std::string message = "exec: " + seccomp.error().message() + "\n";
    (void)!::write(STDERR_FILENO, message.data(), message.size());
    ::_exit(kExecExitCannotJoin);
  }

  // 2. Join PID 1's namespaces, in the order agentd gave them (mount namespace last).
  //    The user namespace comes first (--userns auto): joined, this process becomes its root
  //    (the host ids of the container's range), with the capabilities it needs to join the
  //    namespaces that user namespace owns.
  for (int fd : request.namespaceFds) {
    bool user = ::ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWUSER;
    if (::setns(fd, 0) != 0) ::_exit(kExecExitCannotJoin);
    if (user && !userns::becomeNamespaceRoot()) ::_exit(kExecExitCannotJoin);
    ::close(fd);
  }
  // 2b. setns into the mount namespace makes the namespace's own root the process's root,
  //     which is PID 1's pivoted root only when agentd's root is its namespace's (not when
  //     agentd runs chrooted, as in the test guest): PID 1's root is entered explicitly, as
  //     nsenter --root does.
  if (request.rootFd >= 0) {
    if (::fchdir(request.rootFd) != 0 || ::chroot(".") != 0) ::_exit(kExecExitCannotJoin);
    ::close(request.rootFd);
  }

  // 3. setns on a pid namespace applies to children only: the command runs in a child.
  pid_t inside = ::fork();
  if (inside < 0) ::_exit(kExecExitCannotJoin);
  if (inside == 0) {
    // 3a. The command starts as a container's PID 1 does: agentd's blocked signals
    //     (SIGTERM, SIGINT, SIGHUP, SIGCHLD) and ignored ones (SIGPIPE) are not its, and a
    //     session of its own keeps a signal to its process group (`kill 0`) from reaching
    //     agentd's group.
    resetSignalState();
    ::setsid();
    // 3b. stdin: opened after joining the mount namespace, the container's /dev/null; with
    //     exec -i agentd's pipe (the helper's stdin); with exec -t a terminal made here, in
    //     the container's devpts, for stdin, stdout and stderr (ExecTerminal.h).
    if (request.terminalFd >= 0) {
      if (!takeTerminalInside(request.terminalFd, request.rows, request.columns)) {
        constexpr char why[] = "exec: could not open a terminal in the container's /dev/pts\n";
        (void)!::write(STDERR_FILENO, why, sizeof why - 1);
        ::_exit(kExecExitCannotJoin);
      }
    } else if (!request.keepStdin) {
      int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (null >= 0) ::dup2(null, STDIN_FILENO);
    }
    // 3c. Only stdio passes in: any other descriptor would be the container's to write to
    //     or, for a directory, to leave its root by (CVE-2024-21626).
    closeFdsFrom(3);
    // 3d. setns into the mount namespace moved root and cwd to its root; check that it did.
    if (::chdir("/") != 0 || !workingDirectoryInsideRoot()) ::_exit(kExecExitCannotJoin);
    //     Then the working directory, resolved inside the root as PID 1's is (exit 126 when
    //     it is missing, as docker exec -w).
    if (auto entered = enterWorkingDirectory(request.cwd); !entered) {
      std::string message = "exec: " + entered.error().message() + "\n";
      (void)!::write(STDERR_FILENO, message.data(), message.size());
      ::_exit(126);
    }
    // 3e. The container's capabilities (PID 1's set: Docker's default with --cap-add and
    //     --cap-drop), nothing more, and no_new_privs; then its user (or exec -u's), looked up
    //     in the container's /etc/passwd: a non-root user keeps no capabilities.
    if (!applyCapabilities(CapabilitySet::fromBits(request.capabilities))) ::_exit(kExecExitCannotJoin);
    std::string home;
    if (!request.user.empty()) {
      auto user = becomeContainerUser(request.user, request.terminalFd >= 0);
      if (!user) {
        std::string message = "exec: " + user.error().message() + "\n";
        (void)!::write(STDERR_FILENO, message.data(), message.size());
        ::_exit(126);
      }
      home = user->home;
    }
    // 3f. The command's environment, then the exec (execvp searches the PATH set here).
    ::clearenv();
    ::putenv(const_cast<char*>("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    for (const auto& entry : request.env) ::putenv(::strdup(entry.c_str()));
    if (!home.empty() && !::getenv("HOME")) ::setenv("HOME", home.c_str(), 1);
    // exec -t: a terminal's type, as docker exec -t sets it (unless the container has one).
    if (request.terminalFd >= 0 && !::getenv("TERM")) ::setenv("TERM", "xterm", 1);
    std::vector<std::string> args = request.args;
    std::vector<char*> argv = pointersTo(args);
    // 3g. The seccomp filter, last: after no_new_privs, nothing between it and the exec.
    if (!installSeccompFilter(*seccomp)) ::_exit(kExecExitCannotJoin);
    ::execvp(argv[0], argv.data());
    int e = errno;
    std::string message = "exec: `" + request.args[0] +
                          "`: " + (e == ENOENT ? "command not found in the container" : std::strerror(e)) + "\n";
    (void)!::write(STDERR_FILENO, message.data(), message.size());
    ::_exit(e == ENOENT ? 127 : 126);
  }

  // 4. The helper only waits, and passes the command's exit on to agentd.
  if (request.terminalFd >= 0) ::close(request.terminalFd);  // agentd sees its end if the child failed
  ::close(STDIN_FILENO);
  ::close(STDOUT_FILENO);
  ::close(STDERR_FILENO);
  int status = 0;
  while (::waitpid(inside, &status, 0) < 0 && errno == EINTR) {
  }
  ::_exit(exitCodeOf(status));
}

Result<pid_t> spawnExecHelper(pid_t pid1, const cgroup::Cgroup& group, const std::vector<std::string>& args,
                              const std::vector<std::string>& env, const std::string& shimPath,
                              const ExecConfinement& confinement, const ExecStdio& stdio) {
  if (args.empty()) return logicError("exec (no command given) in", group.path());
  auto image = sealedExecutable(shimPath);
  if (!image) return tl::unexpected(image.error());
  std::vector<UniqueFd> namespaces;
  for (const char* type : kNamespaces) {
    std::string path = "/proc/" + std::to_string(pid1) + "/ns/" + type;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return systemError("open namespace", path);
    if (userns::isCallersNamespace(fd.get(), type)) continue;  // shared with the host (--net host)
    namespaces.push_back(std::move(fd));
  }
  UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null.valid()) return systemError("open, for exec in " + group.path() + ",", "/dev/null");
  // setns into the mount namespace makes the namespace's own root the process's root, which
  // is PID 1's pivoted root only when agentd's root is its namespace's (not when agentd runs
  // chrooted, as in the test guest): PID 1's root is entered explicitly, as nsenter --root.
  std::string rootPath = "/proc/" + std::to_string(pid1) + "/root";
  UniqueFd root(::open(rootPath.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return systemError("open the root of", rootPath);

  // Built before fork: agentd has threads, so the child may not allocate.
  ExecHelperRequest request;
  request.rootFd = root.get();
  request.capabilities = confinement.capabilities.bits();
  request.seccompFilterPath = confinement.seccompFilterPath;
  request.env = env;
  request.args = args;
  for (const auto& fd : namespaces) request.namespaceFds.push_back(fd.get());
  request.user = confinement.user;
  request.cwd = confinement.workingDir.empty() ? "/" : confinement.workingDir;
  request.keepStdin = stdio.stdinFd >= 0;
  request.terminalFd = stdio.terminalSocket;
  request.rows = stdio.rows;
  request.columns = stdio.columns;
  std::vector<std::string> helperArgs = execHelperArgs(shimPath, request);
  std::vector<char*> helperArgv = pointersTo(helperArgs);
  char* noEnvironment[] = {nullptr};
  std::vector<int> keep = request.namespaceFds;
  keep.push_back(root.get());
  keep.push_back(*image);
  if (stdio.terminalSocket >= 0) keep.push_back(stdio.terminalSocket);

  pid_t helper = ::fork();
  if (helper < 0) return systemError("fork for exec in", group.path());
  if (helper == 0) {
    // agentd's child, still on the host: into the container's cgroup, stdio set, only the
    // namespace descriptors, PID 1's root and the sealed image kept (a copy of agentd's descriptors held
    // for the whole exec would keep a standby shim's control pipe, the state directory's
    // lock and agentd's sockets alive), then the sealed agent-shim in its place.
    if (!group.attach(::getpid())) ::_exit(kExecExitCannotJoin);
    ::dup2(stdio.stdinFd >= 0 ? stdio.stdinFd : null.get(), STDIN_FILENO);
    ::dup2(stdio.stdoutFd, STDOUT_FILENO);
    ::dup2(stdio.stderrFd, STDERR_FILENO);
    closeFdsFrom(3, keep.data(), static_cast<int>(keep.size()));
    for (int fd : request.namespaceFds) ::fcntl(fd, F_SETFD, 0);
    ::fcntl(root.get(), F_SETFD, 0);
    if (stdio.terminalSocket >= 0) ::fcntl(stdio.terminalSocket, F_SETFD, 0);
    resetSignalState();
    restoreFdLimit();
    ::execveat(*image, "", helperArgv.data(), noEnvironment, AT_EMPTY_PATH);
    constexpr char why[] = "exec: agentd could not start the exec helper from its sealed copy of agent-shim\n";
    (void)!::write(STDERR_FILENO, why, sizeof why - 1);
    ::_exit(kExecExitCannotJoin);
  }
  return helper;
}

int execExitCode(pid_t helper) {
  int status = 0;
  while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }
  return exitCodeOf(status);
}

Result<ExecResult> execInContainer(pid_t pid1, const cgroup::Cgroup& group, const std::vector<std::string>& args,
                                   const std::vector<std::string>& env, const std::string& shimPath,
                                   const ExecConfinement& confinement) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    return systemError("create pipes for exec in", group.path());
  auto helper = spawnExecHelper(pid1, group, args, env, shimPath, confinement, ExecStdio{-1, out[1], err[1]});
  ::close(out[1]);
  ::close(err[1]);
  if (!helper) {
    ::close(out[0]);
    ::close(err[0]);
    return tl::unexpected(helper.error());
  }

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
  result.exitCode = execExitCode(*helper);
  if (result.exitCode == kExecExitCannotJoin && result.stderrText.empty()) {
    return userError("exec could not join the container of cgroup " + group.path() + ": it has stopped meanwhile",
                     ESRCH);
  }
  return result;
}

}  // namespace agent::container
