#pragma once
#include "AgentConfig.h"

namespace agent {

// agentd's daemon mode, in the foreground: re-adopts the containers in the state directory,
// serves the control API, reaps shims and removes --rm containers as they stop, until
// SIGTERM or SIGINT. Containers keep running after it stops. SIGHUP re-reads the config file
// (the log level takes effect; addresses and directories need a restart). Returns the exit code.
int runDaemon(AgentConfig config, bool configFileRequired);

}  // namespace agent
