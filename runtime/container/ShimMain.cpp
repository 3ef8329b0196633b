// agent-shim --bundle <state-dir>/containers/<id> [--standby CGROUP_PATH | --await-release]
// Started by agentd; not meant to be run by hand. See Shim.h.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "ChildProcessState.h"
#include "Exec.h"
#include "Shim.h"

int main(int argc, char** argv) {
  // `agent-shim --exec ...`: the exec helper agentd starts from its sealed copy (Exec.h).
  if (argc > 1 && argv[1] == agent::container::kExecHelperFlag) {
    auto request = agent::container::parseExecHelperArgs(std::vector<std::string_view>(argv + 1, argv + argc));
    if (!request) {
      std::fprintf(stderr, "agent-shim: %s\n", request.error().message().c_str());
      return 125;
    }
    agent::container::runExecHelper(*request);
  }
  // Only stdin (a standby's control pipe), stdout (the report pipe) and stderr are ours;
  // anything else came from agentd's own parent and would pass into the container.
  agent::closeFdsFrom(3);
  agent::container::ShimOptions options;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--await-release") == 0) options.awaitRelease = true;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--bundle") == 0) options.bundleDir = argv[i + 1];
    if (std::strcmp(argv[i], "--standby") == 0) {
      options.standby = true;
      options.cgroupPath = argv[i + 1];
    }
  }
  if (options.bundleDir.empty()) {
    std::fprintf(stderr,
                 "usage: agent-shim --bundle STATE_DIR/containers/ID [--standby CGROUP | --await-release]  (started by "
                 "agentd)\n");
    return 2;
  }
  // The readiness line goes to stdout, a pipe agentd reads until that line. Keep it as its
  // own fd and point stdout at /dev/null, so the pipe closes with the report, not with us.
  int ready = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null >= 0) ::dup2(null, STDOUT_FILENO);
  options.readyFd = ready;
  options.controlFd = STDIN_FILENO;  // a standby's or --await-release's release comes on stdin
  return agent::container::runShim(options);
}
