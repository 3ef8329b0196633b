#pragma once
// agent-shim: the one process that owns a container. agentd starts it detached (own session);
// it becomes a child subreaper, launches PID 1, records pid + start time, copies PID 1's
// output into the capped log, and when PID 1 ends writes the exit status (128+signal when
// killed) atomically, then exits. agentd may crash or restart meanwhile: nothing is lost.
#include <string>

namespace agent::container {

// Runs the shim for the container whose state directory is `bundleDir` (holding
// config.json). Reports on `readyFd` one line, "started <pid>" or "failed <code> <reason>",
// then closes it. Returns the shim's exit code: 0 once the exit record is written.
int runShim(const std::string& bundleDir, int readyFd);

}  // namespace agent::container
