#pragma once
// Mounts made by the host's root in the mount namespace of a container's PID 1 (which waits,
// with its ids mapped, before it looks at its root): a forked helper joins that namespace
// and runs the steps there, so the shim's own namespace (the host's) never sees the mounts,
// and they go when the container does. Used where the container's root cannot mount itself
// (idmapped mounts need CAP_SYS_ADMIN over the filesystem, which it never has).
#include <sys/types.h>

#include <functional>
#include <string>

#include "Error.h"
#include "UniqueFd.h"

namespace agent::userns {

// What a failed step attempted and on what; errno is the step's own.
struct StepFailed {
  const char* action = "";
  std::string path;
};

// `steps` runs in the helper, after it joined the namespace, and returns false (with
// `failed` set) at the first step that fails. `shown` names the work in errors.
Result<void> runInMountNamespace(pid_t pid, const std::string& procRoot,
                                 const std::function<bool(StepFailed& failed)>& steps, const std::string& shown);

// An open descriptor on /proc/<pid>/ns/<type>.
Result<UniqueFd> openNamespaceOf(pid_t pid, const std::string& procRoot, const char* type);

}  // namespace agent::userns
