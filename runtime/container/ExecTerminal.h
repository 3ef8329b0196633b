#pragma once
// The terminal of `exec -t` (ExecStreams.h): made by the exec'd command's process itself,
// inside the container (after joining its mount namespace), from the container's own
// /dev/ptmx, so the command's `tty` names a /dev/pts/N that exists in the container, as
// runc's console does; its master goes to agentd over a unix socket (SCM_RIGHTS), as runc's
// --console-socket does. agentd holds the master while the exec's stream lasts.
#include <cstdint>

#include "Error.h"
#include "UniqueFd.h"

namespace agent::container {

// In the command's process (a session leader, not yet exec'd): opens a terminal, makes its
// slave the controlling terminal and stdin, stdout and stderr, sets the window size (0 rows:
// left as the kernel made it), and sends the master on `socket`. Async-signal-safe enough
// for a forked child of a single-threaded helper; false when any step failed.
bool takeTerminalInside(int socket, uint16_t rows, uint16_t columns);

// agentd's side: the master sent on `socket`, waiting up to `timeoutMs`. EPIPE: the socket
// closed without one (the helper failed before: it says why on its stderr).
Result<UniqueFd> receiveTerminal(int socket, int timeoutMs);

}  // namespace agent::container
