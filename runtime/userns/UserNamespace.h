#pragma once
// A container's user namespace from both sides: the parent maps a waiting child's ids, the
// child becomes root of its namespace, and an exec joins it before any other namespace.
#include <sys/types.h>

#include <string>

#include "Error.h"
#include "IdMapping.h"
#include "UniqueFd.h"

namespace agent::userns {

// Writes /proc/<pid>/uid_map and gid_map, one write each. setgroups stays "allow": "deny" is
// only needed by an unprivileged writer, and would break su, login and apt in the container.
Result<void> writeIdMaps(pid_t pid, const IdMapping& mapping, const std::string& procRoot = "/proc");

// In a process that has just entered a mapped user namespace: uid and gid 0 there (host ids
// hostUid and hostGid), no supplementary groups. Its capabilities stay those of the namespace.
Result<void> becomeNamespaceRoot();

// Whether the namespace `nsFd` (an open /proc/<pid>/ns/<type>) is the caller's own of that type.
// A container on the host's network shares the host's; from inside the container's user
// namespace it may not be joined again (EPERM), and need not be.
bool isCallersNamespace(int nsFd, const char* type);

}  // namespace agent::userns
