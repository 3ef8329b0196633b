#pragma once
// The agentd side of agent-shim: starts one detached (new session) and waits for its report.
#include <sys/types.h>

#include <string>

#include "Error.h"
#include "UniqueFd.h"

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

// A shim started ahead of any request (agent-shim --standby): PID 1 is in its namespaces and
// cgroup, waiting. Released with "go" on `control`; dropped by closing it.
struct StandbyShim {
  pid_t shimPid = 0;
  pid_t containerPid = 0;
  UniqueFd control;
  UniqueFd ready;
};
tl::expected<StandbyShim, ShimStartFailure> startStandbyShim(const std::string& shimPath, const std::string& bundleDir,
                                                             const std::string& cgroupPath);
// A shim for the container of `bundleDir` (config.json written) that prepares PID 1 and waits
// before its command (agent-shim --await-release): agentd attaches its network, then releases
// it as a standby's. containerPid is the prepared PID 1.
tl::expected<StandbyShim, ShimStartFailure> startShimAwaitingRelease(const std::string& shimPath,
                                                                     const std::string& bundleDir);
// Once config.json is in `bundleDir`: lets the container run; returns like startShim.
tl::expected<StartedShim, ShimStartFailure> releaseStandbyShim(StandbyShim& standby, const std::string& shimPath);
// Ends a standby shim and its waiting child, and reaps the shim.
void dropStandbyShim(StandbyShim& standby);

}  // namespace agent::container
