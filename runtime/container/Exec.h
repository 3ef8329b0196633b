#pragma once
// Runs a command inside a running container: a process that joins PID 1's cgroup and all of
// its namespaces (so /proc/<pid>/ns shows exactly PID 1's inodes), under the same
// capabilities, with stdout and stderr collected.
#include <sys/types.h>

#include <string>
#include <vector>

#include "CapabilitySet.h"
#include "Cgroup.h"
#include "Error.h"
#include "ExecHelperArgs.h"

namespace agent::container {

struct ExecResult {
  int exitCode = 0;  // 128 + signal when killed; 127 when the command is not in the image
  std::string stdoutText;
  std::string stderrText;
};

// What confines the exec'd process: the same as the container's PID 1 (ContainerSpec.h),
// and, as docker exec, its user and working directory unless exec -u / -w chose others.
struct ExecConfinement {
  CapabilitySet capabilities = dockerDefaultCapabilities();
  std::string seccompFilterPath;  // the container's compiled filter (SeccompFilter.h); empty: none
  std::string user;               // ContainerUser.h's forms, looked up in the container; empty: root
  std::string workingDir = "/";   // absolute, resolved inside the container's root
};

// exec -u / -w: empty members take the container's own (its User, its WorkingDir).
struct ExecAs {
  std::string user;
  std::string workingDir;
};

// The helper that joins is agent-shim's sealed copy (SealedExecutable.h) made from
// `shimPath`, never agentd itself: the container sees it and its child in its pid namespace.
Result<ExecResult> execInContainer(pid_t pid1, const cgroup::Cgroup& group, const std::vector<std::string>& args,
                                   const std::vector<std::string>& env, const std::string& shimPath,
                                   const ExecConfinement& confinement = {});

// What the helper exits with when it cannot join (the container stopped meanwhile).
inline constexpr int kExecExitCannotJoin = 125;

// The exec'd command's stdio (exec -i, exec -t: ExecStreams.h); plain exec's are pipes.
struct ExecStdio {
  int stdinFd = -1;  // -1: the container's /dev/null
  int stdoutFd = -1;
  int stderrFd = -1;        // also the helper's own messages when it fails before the command runs
  int terminalSocket = -1;  // >= 0: a terminal made inside (ExecTerminal.h), its master sent here
  uint16_t rows = 0, columns = 0;
};

// Starts the helper (the descriptors in `stdio` are dup'ed into it; the caller closes its
// copies) and returns its pid; execExitCode waits for it: the command's exit code, 128 +
// signal, 127/126 when it could not be run, kExecExitCannotJoin.
Result<pid_t> spawnExecHelper(pid_t pid1, const cgroup::Cgroup& group, const std::vector<std::string>& args,
                              const std::vector<std::string>& env, const std::string& shimPath,
                              const ExecConfinement& confinement, const ExecStdio& stdio);
int execExitCode(pid_t helper);

// The helper's side (`agent-shim --exec`, ShimMain.cpp): joins, forks the command inside,
// and exits with its exit code. Never returns.
[[noreturn]] void runExecHelper(const ExecHelperRequest& request);

}  // namespace agent::container
