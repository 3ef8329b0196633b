#pragma once
// Starting a private engine for one test suite: scripts/private-dockerd.sh, private-podman.sh
// or private-containerd.sh (`SCRIPT start DIR PARENT`, exit 2 when the engine is not
// installed), in a fresh $TMPDIR/agent-test-<what>-XXXXXX (/tmp without TMPDIR). The host and e2e suites that need a
// real engine share this, each with its own `shell` (anything returning {exitCode, out}).
#include <stdlib.h>

#include <string>

namespace agent::testsupport {

struct PrivateEngine {
  std::string dir;         // the script's DIR, to `stop`; empty when none was made
  std::string skipReason;  // the script exited 2: the engine is not installed (what it said)
  std::string error;       // it did not start: what it said
  bool started() const { return skipReason.empty() && error.empty(); }
};

// `script` is the command line before `start` (an environment prefix may lead it).
template <class Shell>
PrivateEngine startPrivateEngine(Shell&& shell, const std::string& what, const std::string& script,
                                 const std::string& parent) {
  PrivateEngine engine;
  // TMPDIR first: in the vm guest /tmp is the host's, read-only, and TMPDIR its scratch disk.
  const char* tmp = ::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/agent-test-" + what + "-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    engine.error = "mkdtemp failed";
    return engine;
  }
  engine.dir = dir;
  auto started = shell(script + " start " + dir + " " + parent);
  if (started.exitCode == 2) {
    engine.skipReason = started.out;
  } else if (started.exitCode != 0) {
    engine.error = "the private " + what + " did not start:\n" + started.out;
  }
  return engine;
}

}  // namespace agent::testsupport
