// agent-shim --bundle <state-dir>/containers/<id>
// Started by agentd; not meant to be run by hand. See Shim.h.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "Shim.h"

int main(int argc, char** argv) {
  std::string bundle;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--bundle") == 0) bundle = argv[i + 1];
  }
  if (bundle.empty()) {
    std::fprintf(stderr, "usage: agent-shim --bundle STATE_DIR/containers/ID  (started by agentd)\n");
    return 2;
  }
  // The readiness line goes to stdout, a pipe agentd reads until that line. Keep it as its
  // own fd and point stdout at /dev/null, so the pipe closes with the report, not with us.
  int ready = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null >= 0) ::dup2(null, STDOUT_FILENO);
  return agent::container::runShim(bundle, ready);
}
