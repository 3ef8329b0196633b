#pragma once
// The working directory a container's process starts in, resolved inside its root (the
// CVE-2024-21626 class: runc let `cwd = /proc/self/fd/N`, a descriptor on a host directory,
// become the container's working directory, and `../..` from there was the host's root).
#include <string>

#include "Error.h"

namespace agent::container {

// Before pivot_root, with the root's mounts in place (volumes included) and before it is made
// read-only: makes `cwd` (absolute, as the container sees it) and its missing parents as
// root-owned 0755 directories inside `root`, as Docker makes an image's WorkingDir that the
// image lacks. Each component is resolved inside the root (MountTargets.h), so a symlink in
// the image never leads the mkdir out of it; a relative `cwd` is left to
// enterWorkingDirectory to refuse.
Result<void> makeWorkingDirectory(const std::string& root, const std::string& cwd);

// After pivot_root: enters `cwd` (absolute) as seen from the container's root, with no
// symlink or magic link leading out of it, and refuses a result outside that root.
Result<void> enterWorkingDirectory(const std::string& cwd);

// Async-signal-safe (an exec'd process is a fork of multithreaded agentd): true when the
// current working directory is reachable from the current root. getcwd(3) fails with
// ENOENT (the kernel prefixes "(unreachable)") for a directory outside it.
bool workingDirectoryInsideRoot();

}  // namespace agent::container
