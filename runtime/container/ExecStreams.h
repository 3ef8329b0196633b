#pragma once
// `exec -t` and `exec -i` (agentctl exec -it ID CMD): the exec helper (Exec.h) started with
// a terminal made inside the container (ExecTerminal.h), or with a stdin pipe and output
// pipes, whose other ends agentd holds for as long as the exec's stream (its API client)
// lasts. agentd holds them, not agent-shim: an exec's session is its client's, and when agentd
// goes (or the client does), the terminal's master closes and the kernel hangs it up, so the
// command gets SIGHUP as an ssh session's shell does, and nothing is left waiting for a client
// that cannot come back (docs/agentd.md, "Terminals").
#include <sys/types.h>

#include <string>
#include <vector>

#include "Cgroup.h"
#include "Exec.h"
#include "UniqueFd.h"

namespace agent::container {

struct ExecStreamOptions {
  bool tty = false;                // a terminal: stdin, stdout and stderr are it
  bool openStdin = false;          // input from the client (with tty: the terminal's input is relayed at all)
  uint16_t rows = 0, columns = 0;  // the terminal's first size (0: the kernel's 0x0)
  ExecAs as;                       // exec -u / -w
};

struct ExecStreams {
  pid_t helper = -1;  // execExitCode(helper): the command's exit code
  bool tty = false;
  UniqueFd terminal;  // tty: the master (read output, write input, TIOCSWINSZ)
  UniqueFd input;     // no tty, stdin: the write end of the command's stdin
  UniqueFd output;    // no tty: the read ends of its stdout and stderr
  UniqueFd errors;
};

// Errors: the container stopped meanwhile (ESRCH), or the helper's own words when it could not
// make the terminal.
Result<ExecStreams> startExecStreams(pid_t pid1, const cgroup::Cgroup& group, const std::vector<std::string>& args,
                                     const std::vector<std::string>& env, const std::string& shimPath,
                                     const ExecConfinement& confinement, const ExecStreamOptions& options);

}  // namespace agent::container
