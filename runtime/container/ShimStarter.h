#pragma once
// The agentd side of agent-shim: starts one detached (new session) and waits for its report.
#include <sys/types.h>

#include <string>

#include "Error.h"

namespace agent::container {

struct StartedShim {
  pid_t shimPid = 0;
  pid_t containerPid = 0;
};

struct ShimStartFailure {
  Error error;
  int exitCode = 125;  // what the container's exit record says
};

// Runs `shimPath --bundle bundleDir` in its own session with stdin/stderr on /dev/null and
// returns once PID 1 runs (or why it could not). The caller reaps the shim when it exits.
tl::expected<StartedShim, ShimStartFailure> startShim(const std::string& shimPath, const std::string& bundleDir);

}  // namespace agent::container
