#pragma once
// The working directory a container's process starts in, resolved inside its root (the
// CVE-2024-21626 class: runc let `cwd = /proc/self/fd/N`, a descriptor on a host directory,
// become the container's working directory, and `../..` from there was the host's root).
#include <string>

#include "Error.h"

namespace agent::container {

// After pivot_root: enters `cwd` (absolute) as seen from the container's root, with no
// symlink or magic link leading out of it, and refuses a result outside that root.
Result<void> enterWorkingDirectory(const std::string& cwd);

// Async-signal-safe (an exec'd process is a fork of multithreaded agentd): true when the
// current working directory is reachable from the current root. getcwd(3) fails with
// ENOENT (the kernel prefixes "(unreachable)") for a directory outside it.
bool workingDirectoryInsideRoot();

}  // namespace agent::container
