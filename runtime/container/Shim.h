#pragma once
// agent-shim: the one process that owns a container. agentd starts it detached (own session);
// it becomes a child subreaper, launches PID 1, records pid + start time, copies PID 1's
// output into the capped log, and when PID 1 ends writes the exit status (128+signal when
// killed) atomically, then exits. agentd may crash or restart meanwhile: nothing is lost.
#include <string>

namespace agent::container {

struct ShimOptions {
  std::string bundleDir;  // <state-dir>/containers/<id>, holding config.json (once released)
  int readyFd = -1;
  // Standby: prepare PID 1 (namespaces, cgroup `cgroupPath`) now, report "standby <pid>",
  // and wait for a line "go" on `controlFd` before reading config.json. EOF there drops it.
  bool standby = false;
  std::string cgroupPath;
  int controlFd = -1;
  // Not a standby, but the same pause (--net bridge: agentd attaches PID 1's network first):
  // prepare the container of config.json, report "prepared <pid>", wait for "go" on
  // `controlFd`, then release it. EOF there abandons it, recording exit 125.
  bool awaitRelease = false;
};

// Runs the shim for the container whose state directory is `bundleDir`. Reports on
// `readyFd` one line, "started <pid>" or "failed <code> <reason>" (a standby shim reports
// "standby <pid>" first), then closes it. Returns the shim's exit code: 0 once the exit
// record is written, or once a dropped standby container is gone.
int runShim(const ShimOptions& options);

}  // namespace agent::container
