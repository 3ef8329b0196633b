#pragma once
// What agentd tells the exec helper (`agent-shim --exec`, started from the sealed copy of
// agent-shim, Exec.h) on its command line: the namespace descriptors it inherits, in the
// order to join them, the command's environment and the command.
//   agent-shim --exec [--ns FD]... [--root FD] [--caps BITS] [--seccomp FILE]
//                     [--env NAME=VALUE]... [--stdin] [--tty FD,ROWS,COLS] -- COMMAND [ARG]...
// The environment goes as arguments, never as the helper's own environment: LD_PRELOAD and
// the like would act on the helper, a root process still on the host.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::container {

struct ExecHelperRequest {
  std::vector<int> namespaceFds;  // joined in this order
  int rootFd = -1;                // PID 1's root (/proc/<pid>/root), entered after joining
  uint64_t capabilities = 0;      // the command's set (CapabilitySet::bits())
  std::string seccompFilterPath;  // the container's compiled filter; empty: none
  std::vector<std::string> env;
  std::vector<std::string> args;
  // Who the command runs as and where it starts: the container's User and WorkingDir unless
  // exec -u / -w said otherwise (ContainerUser.h's forms; an absolute path). Empty user: root.
  std::string user{};
  std::string cwd = "/";
  // exec -i / -it (ExecStreams.h):
  bool keepStdin = false;          // the command's stdin is the helper's (agentd's pipe), not /dev/null
  int terminalFd = -1;             // a terminal made inside the container; its master is sent on this socket
  uint16_t rows = 0, columns = 0;  // the terminal's first window size (0: the kernel's default)
};

inline constexpr std::string_view kExecHelperFlag = "--exec";

std::vector<std::string> execHelperArgs(const std::string& argv0, const ExecHelperRequest& request);
// `args` without argv[0] (it starts at --exec).
Result<ExecHelperRequest> parseExecHelperArgs(const std::vector<std::string_view>& args);

}  // namespace agent::container
