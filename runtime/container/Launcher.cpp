#include "Launcher.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "Capabilities.h"
#include "ChildProcessState.h"
#include "ContainerUser.h"
#include "DeviceNodes.h"
#include "ExecTerminal.h"
#include "IdmappedOverlay.h"
#include "RootfsMounts.h"
#include "SeccompFilter.h"
#include "UserNamespace.h"
#include "VolumeMounts.h"
#include "WorkingDirectory.h"

namespace agent::container {

namespace {

// What the child reports when it cannot reach exec. Fixed size: written with one write(2).
struct ChildFailure {
  int errnum;
  int sentence;  // Error::sentence: the action is a whole sentence for a person, no errno text
  char action[504];
  char path[512];
};

[[noreturn]] void failChild(int reportFd, const Error& error, int exitCode) {
  ChildFailure failure{};
  failure.errnum = error.errnum;
  failure.sentence = error.sentence ? 1 : 0;
  std::strncpy(failure.action, error.action.c_str(), sizeof failure.action - 1);
  std::strncpy(failure.path, error.path.c_str(), sizeof failure.path - 1);
  (void)!::write(reportFd, &failure, sizeof failure);
  ::_exit(exitCode);
}

void redirect(int fd, int target, int openFlags) {
  if (fd < 0) {
    fd = ::open("/dev/null", openFlags | O_CLOEXEC);
    if (fd < 0) return;
  }
  if (fd != target) ::dup2(fd, target);
}

Result<void> bringLoopbackUp() {
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return systemError("open a socket to configure", "lo");
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(sock, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags |= IFF_UP | IFF_RUNNING;
  ok = ok && ::ioctl(sock, SIOCSIFFLAGS, &request) == 0;
  int saved = errno;
  ::close(sock);
  if (!ok) return systemError("bring up", "lo", saved);
  return {};
}

// Runs in the cloned child: PID 1 of the new pid namespace, not yet in its cgroup.
[[noreturn]] void runChild(NetworkMode network, const std::optional<userns::IdMapping>& userns,
                           const SpecSource& specSource, const LaunchIo& io, int syncFd, int reportFd) {
  // The shim's signal state is not the container's: it ignores what would end it.
  resetSignalState();
  // A session of its own: a signal the container sends to its process group (`kill 0`, a
  // shell's job control, a supervisor ending its children) stays in the container instead
  // of reaching the shim, which would otherwise share that group and die of it.
  ::setsid();
  redirect(io.stdinFd, STDIN_FILENO, O_RDONLY);
  redirect(io.stdoutFd, STDOUT_FILENO, O_WRONLY);
  redirect(io.stderrFd, STDERR_FILENO, O_WRONLY);

  auto step = [&](const Result<void>& r) {
    if (!r) failChild(reportFd, r.error(), kExitSetupFailed);
  };
  // What does not depend on the cgroup or the spec is done while the parent moves us into
  // the cgroup (a standby container has it done before anyone asks for it).
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    step(systemError("make mounts private in", "/"));
  }
  if (network == NetworkMode::None || network == NetworkMode::Bridge) step(bringLoopbackUp());

  char go = 0;
  if (::read(syncFd, &go, 1) != 1) ::_exit(kExitSetupFailed);  // the parent gave up
  ::close(syncFd);

  // Read only now: a standby container learns what it is to run when it is released.
  auto loaded = specSource();
  if (!loaded) step(tl::unexpected(loaded.error()));
  const ContainerSpec& spec = *loaded;
  auto seccomp = readSeccompFilter(spec.seccompFilter);  // while the host's files are in reach
  if (!seccomp) step(tl::unexpected(seccomp.error()));
  if (spec.args.empty()) step(logicError("start container (no command given)", spec.id));
  // A standby is prepared for `none`; a bridge container's namespace is made the same way.
  if (namespaceFlags(spec.network) != namespaceFlags(network))
    step(logicError("start container (prepared for another network mode)", spec.id));
  if (spec.userns != userns) step(logicError("start container (prepared for another user namespace)", spec.id));
  if (userns) step(userns::becomeNamespaceRoot());  // the parent has mapped our ids by now
  // Now in the container's cgroup: a new cgroup namespace makes it the root the container sees.
  if (::unshare(CLONE_NEWCGROUP) != 0) step(systemError("create cgroup namespace", ""));
  if (::sethostname(spec.hostname.data(), spec.hostname.size()) != 0) step(systemError("set hostname", spec.hostname));
  if (!userns) step(mountOverlay(spec));  // else the parent mounted it (IdmappedOverlay.h)
  std::string root = spec.layerDir + "/merged";
  step(mountSystemFilesystems(root));
  step(makeDeviceNodes(root, spec.devices));
  step(mountVolumes(root, spec.etcFiles));  // agentd's /etc/hosts etc.: before volumes, which may replace them
  step(mountVolumes(root, spec.volumes, spec.userns ? volumeStagingDir(spec.layerDir) : ""));
  step(makeWorkingDirectory(root, spec.cwd));  // an image's WorkingDir it lacks, even with --read-only
  if (spec.readOnlyRoot) step(makeRootReadOnly(root));
  step(pivotInto(root));
  // Nothing of the shim's is reachable from here on but stdout, stderr and the report pipe
  // (closed at exec): a descriptor on a host file or directory would let the command write
  // to it, or with `cwd = /proc/self/fd/N`, start outside its root (CVE-2024-21626).
  int kept[2] = {reportFd, io.consoleSocket};
  closeFdsFrom(3, kept, io.consoleSocket >= 0 ? 2 : 1);
  if (io.consoleSocket >= 0) {
    // -t: the terminal of the container's own devpts, at the client's size when it gave one.
    if (!takeTerminalInside(io.consoleSocket, io.consoleRows, io.consoleColumns))
      step(systemError("make the container's terminal from", "/dev/ptmx"));
    ::close(io.consoleSocket);
  } else if (io.stdinFd < 0) {
    // The shim's /dev/null is the host's (its path reads "/null" inside): stdin becomes the
    // container's own.
    if (int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC); null >= 0) {
      ::dup2(null, STDIN_FILENO);
      ::close(null);
    }
  }
  step(enterWorkingDirectory(spec.cwd));
  step(applyCapabilities(spec.capabilities));
  // The image's user (ContainerUser.h), from the container's own /etc/passwd.
  std::string home;
  if (!spec.user.empty()) {
    auto user = becomeContainerUser(spec.user, io.consoleSocket >= 0);
    if (!user) step(tl::unexpected(user.error()));
    home = user->home;
  }

  // execvp searches the PATH of the current environment, so install the container's first.
  ::clearenv();
  for (const auto& entry : containerEnvironment(spec)) ::putenv(::strdup(entry.c_str()));
  bool homeGiven =
      std::any_of(spec.env.begin(), spec.env.end(), [](const auto& e) { return e.rfind("HOME=", 0) == 0; });
  if (!home.empty() && !homeGiven) ::setenv("HOME", home.c_str(), 1);
  std::vector<char*> argv;
  for (const auto& arg : spec.args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  // The report pipe stays usable until the exec succeeds, and goes with it.
  closeOnExecFrom(3);
  step(installSeccompFilter(*seccomp));  // last: after no_new_privs, only execve follows
  ::execvp(argv[0], argv.data());
  int err = errno;
  if (err == ENOENT)
    failChild(reportFd, Error{0, "", "`" + spec.args[0] + "`: command not found in the image"}, kExitCommandNotFound);
  failChild(reportFd, Error{err, spec.args[0], "execute"}, kExitNotExecutable);
}

}  // namespace

int namespaceFlags(NetworkMode network) {
  int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
  if (network == NetworkMode::None || network == NetworkMode::Bridge) flags |= CLONE_NEWNET;
  return flags;
}

namespace {

// --net container:ID: the calling thread enters that network namespace for the clone, which
// copies it (the child is born in it, also when it is born in a user namespace of its own, which
// could not setns into a namespace the host's user namespace owns), and goes back after.
class JoinedNetwork {
 public:
  static Result<JoinedNetwork> enter(const std::string& netnsPath) {
    JoinedNetwork joined;
    if (netnsPath.empty()) return joined;
    joined.own_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (joined.own_ < 0) return systemError("open the shim's network namespace", "/proc/thread-self/ns/net");
    int target = ::open(netnsPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (target < 0)
      return userError(
          "the container whose network this one joins has stopped (" + netnsPath + " is gone); start that one first",
          ESRCH);
    int entered = ::setns(target, CLONE_NEWNET);
    int err = errno;
    ::close(target);
    if (entered != 0) return systemError("join the network namespace", netnsPath, err);
    return joined;
  }
  JoinedNetwork(JoinedNetwork&& other) noexcept : own_(std::exchange(other.own_, -1)) {}
  ~JoinedNetwork() {
    if (own_ < 0) return;
    (void)::setns(own_, CLONE_NEWNET);
    ::close(own_);
  }

 private:
  JoinedNetwork() = default;
  int own_ = -1;
};

}  // namespace

tl::expected<PreparedContainer, LaunchFailure> prepareContainer(NetworkMode network, const cgroup::Cgroup& group,
                                                                const LaunchIo& io, const SpecSource& specSource,
                                                                const std::optional<userns::IdMapping>& userns,
                                                                const std::string& netnsPath) {
  auto fail = [](const tl::unexpected<Error>& e, int code = kExitSetupFailed) {
    return tl::unexpected(LaunchFailure{e.value(), code});
  };
  int sync[2], report[2];
  if (::pipe2(sync, O_CLOEXEC) != 0) return fail(systemError("create pipes for", group.path()));
  if (::pipe2(report, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(sync[0]);
    ::close(sync[1]);
    return fail(systemError("create pipes for", group.path(), err));
  }

  auto joined = JoinedNetwork::enter(network == NetworkMode::Container ? netnsPath : "");
  if (!joined) {
    for (int fd : {sync[0], sync[1], report[0], report[1]}) ::close(fd);
    return fail(tl::unexpected(joined.error()));
  }
  // A fork-like clone (no new stack): the caller is single-threaded (agent-shim, tests).
  int flags = namespaceFlags(network) | (userns ? CLONE_NEWUSER : 0);
  pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0));
  if (pid < 0) {
    int err = errno;
    for (int fd : {sync[0], sync[1], report[0], report[1]}) ::close(fd);
    return fail(systemError("clone the container's namespaces for", group.path(), err));
  }
  if (pid == 0) {
    ::close(sync[1]);
    ::close(report[0]);
    runChild(network, userns, specSource, io, sync[0], report[1]);
  }
  ::close(sync[0]);
  ::close(report[1]);
  PreparedContainer prepared{pid, sync[1], report[0]};
  if (auto mapped = userns ? userns::writeIdMaps(pid, *userns) : Result<void>(); !mapped) {
    abandonContainer(prepared);
    return fail(tl::unexpected(mapped.error()));
  }
  if (auto attached = group.attach(pid); !attached) {
    abandonContainer(prepared);
    return fail(tl::unexpected(attached.error()));
  }
  return prepared;
}

void abandonContainer(PreparedContainer& prepared) {
  if (prepared.pid <= 0) return;
  ::kill(prepared.pid, SIGKILL);
  ::close(prepared.syncFd);
  ::close(prepared.reportFd);
  while (::waitpid(prepared.pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  prepared = PreparedContainer{};
}

tl::expected<pid_t, LaunchFailure> releaseContainer(PreparedContainer& prepared) {
  pid_t pid = prepared.pid;
  char go = 'g';
  (void)!::write(prepared.syncFd, &go, 1);
  ::close(prepared.syncFd);

  // EOF: the report pipe closed on exec, so the command runs.
  ChildFailure failure{};
  ssize_t n;
  do {
    n = ::read(prepared.reportFd, &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  ::close(prepared.reportFd);
  prepared = PreparedContainer{};
  if (n == 0) return pid;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : kExitSetupFailed;
  if (n != static_cast<ssize_t>(sizeof failure)) {
    return tl::unexpected(
        LaunchFailure{Error{EIO, std::to_string(pid), "start container (lost the child's report)"}, exitCode});
  }
  failure.action[sizeof failure.action - 1] = '\0';
  failure.path[sizeof failure.path - 1] = '\0';
  Error error{failure.errnum, failure.path, failure.action};
  error.sentence = failure.sentence != 0;
  return tl::unexpected(LaunchFailure{error, exitCode});
}

tl::expected<pid_t, LaunchFailure> launchContainer(const ContainerSpec& spec, const cgroup::Cgroup& group,
                                                   const LaunchIo& io, const BeforeRelease& beforeRelease) {
  if (spec.args.empty()) {
    return tl::unexpected(
        LaunchFailure{logicError("start container (no command given)", spec.id).value(), kExitSetupFailed});
  }
  auto prepared = prepareContainer(
      spec.network, group, io, [&spec]() -> Result<ContainerSpec> { return spec; }, spec.userns, spec.netnsPath);
  if (!prepared) return tl::unexpected(prepared.error());
  if (spec.userns) {
    auto mounted = userns::mountIdmappedOverlay(prepared->pid, absoluteLowerDirs(spec), spec.layerDir, *spec.userns);
    if (mounted) mounted = stageVolumeSources(prepared->pid, spec.volumes, spec.layerDir);
    if (!mounted) {
      abandonContainer(*prepared);
      return tl::unexpected(LaunchFailure{mounted.error(), kExitSetupFailed});
    }
  }
  if (beforeRelease) {
    if (auto ready = beforeRelease(prepared->pid); !ready) {
      abandonContainer(*prepared);
      return tl::unexpected(LaunchFailure{ready.error(), kExitSetupFailed});
    }
  }
  return releaseContainer(*prepared);
}

}  // namespace agent::container
