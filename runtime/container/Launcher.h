#pragma once
// Starts a container's PID 1. The sequence guarantees that nothing of the user's runs
// outside its cgroup or limits: the child is cloned into new namespaces and blocks until the
// caller has moved it into the (already limited) cgroup; only then does it build its root
// filesystem and exec the command.
#include <sys/types.h>

#include <functional>

#include "Cgroup.h"
#include "ContainerSpec.h"
#include "Error.h"

namespace agent::container {

// Where PID 1's standard streams go; -1 for /dev/null.
struct LaunchIo {
  int stdinFd = -1;
  int stdoutFd = -1;
  int stderrFd = -1;
  // -t: PID 1 makes its terminal inside the container, from the container's own /dev/ptmx,
  // once it is in its root (so `tty` names a /dev/pts/N the container has, as runc's console
  // does), makes it its controlling terminal, stdin, stdout and stderr, and sends the master
  // on this socket (ExecTerminal.h). Until then stdout and stderr are the fds above.
  int consoleSocket = -1;
  uint16_t consoleRows = 24, consoleColumns = 80;  // its size at the start
};

// Exit codes recorded for a container whose command never ran, as Docker and runc use them.
inline constexpr int kExitSetupFailed = 125;
inline constexpr int kExitNotExecutable = 126;
inline constexpr int kExitCommandNotFound = 127;

// Why a container's command never ran, and the exit code to record for it (the child's own
// exit status: 127 command not in the image, 126 not executable, 125 any setup step).
struct LaunchFailure {
  Error error;
  int exitCode = kExitSetupFailed;
};

// A PID 1 cloned into its namespaces and moved into its cgroup, blocked before anything of
// the container runs: no root filesystem yet, no hostname, no command.
struct PreparedContainer {
  pid_t pid = -1;
  int syncFd = -1;    // one byte releases it
  int reportFd = -1;  // EOF once it exec'd, else a failure report
};

// Where the child takes its spec from once released: the spec itself, or (for a standby
// container, prepared before anyone asked for it) config.json read at that moment.
using SpecSource = std::function<Result<ContainerSpec>()>;

// The two halves of launchContainer, so that the costly half (namespaces, and the cgroup
// attach, which waits for an RCU grace period: 7-15 ms here) can be done ahead of time.
// With `userns`, the child is also in a new user namespace, its ids mapped before it goes on.
// NetworkMode::Container: the child is born in the network namespace `netnsPath` (the caller's
// thread enters it for the clone and returns); an ESRCH user error if it is gone.
tl::expected<PreparedContainer, LaunchFailure> prepareContainer(NetworkMode network, const cgroup::Cgroup& group,
                                                                const LaunchIo& io, const SpecSource& specSource,
                                                                const std::optional<userns::IdMapping>& userns = {},
                                                                const std::string& netnsPath = "");
// Returns PID 1's pid once the command was exec'd, or why not (the child is then reaped).
tl::expected<pid_t, LaunchFailure> releaseContainer(PreparedContainer& prepared);
// Kills and reaps a prepared child that will not be released.
void abandonContainer(PreparedContainer& prepared);

// Called with the prepared PID 1's pid before it is released (--net bridge: agentd attaches
// its network then); an error abandons the container.
using BeforeRelease = std::function<Result<void>(pid_t pid)>;

// Returns PID 1's pid (in the caller's pid namespace) once the command was exec'd, or why it
// was not; on failure the child has been reaped.
tl::expected<pid_t, LaunchFailure> launchContainer(const ContainerSpec& spec, const cgroup::Cgroup& group,
                                                   const LaunchIo& io, const BeforeRelease& beforeRelease = {});

// The namespaces every container gets, plus a network namespace for None and Bridge.
int namespaceFlags(NetworkMode network);

}  // namespace agent::container
