#pragma once
// Which of other runtimes' containers (Docker's, podman's, containerd's, as a snapshot
// classified them) a user's reference names: a full id, a cgroup path, a name (the engine's,
// e.g. Docker's `web`) or an id prefix of 12 characters or more. A full id or path wins over
// a name or prefix; one container seen at two paths (a v1 hierarchy that put one controller's
// group elsewhere) is one container. Used by `limit`, `policy explain` and `stats`.
#include <string>
#include <string_view>
#include <vector>

#include "Snapshot.h"

namespace agent::collectors {

struct DiscoveredRef {
  const CgroupSample* found = nullptr;  // the one container, or nullptr
  // When the reference fits several containers: each as "docker 3f2a1b2c3d4e (db)".
  std::vector<std::string> several;
};

// Agent containers are left out (the runtime's own lookup finds those), and so are groups
// that are not containers.
DiscoveredRef findDiscovered(const Snapshot& snapshot, std::string_view ref);

// "\"db\" fits more than one container: docker 3f2a1b2c3d4e (db), podman 8ff94b802f67 (db);
// give its id or cgroup path" (agentctl ps --all-cgroups lists them).
std::string severalText(std::string_view ref, const std::vector<std::string>& several);

}  // namespace agent::collectors
