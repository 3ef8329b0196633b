#pragma once
// What agentd does before its parts are wired and after they are (Daemon.cpp): signals
// blocked, the prerequisites checked (log level, root, directories), the descriptor limit
// raised, a private cgroup namespace warned of, and the containers of an earlier agentd
// re-adopted.
#include <string>

#include "AgentConfig.h"
#include "ContainerRuntime.h"

namespace agent {

// spdlog's level by its name (trace, debug, info, warn, error, critical, off); false: no such level.
bool setLogLevel(const std::string& level);
// SIGTERM, SIGINT, SIGHUP and SIGCHLD blocked (before any thread starts: threads inherit the
// mask) and read from the returned signalfd; SIGPIPE ignored.
int blockSignals();
// agentd's exit code when it cannot start (2 a bad option, 1 anything else), else 0; logged.
int checkPrerequisites(const AgentConfig& config);
// The soft RLIMIT_NOFILE up to the hard one; a warning when that allows few containers.
void raiseAndCheckFdLimit();
// A warning when agentd's cgroup namespace is not PID 1's (a pod's private one).
void warnOnPrivateCgroupNamespace();
// The containers in the state directory watched again (their shims, exits, device programs),
// `standby` kept ready, and what was found logged.
void readopt(container::ContainerRuntime& runtime, size_t standby);

}  // namespace agent
