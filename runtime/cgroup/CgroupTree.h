#pragma once
// Directory-level work on cgroup trees, shared by the Cgroup handle: making a path (with v2's
// subtree_control on the way down), removing a tree, listing the processes in a tree.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "Controller.h"
#include "Error.h"
#include "FileAt.h"
#include "Hierarchy.h"

namespace agent::cgroup {

// "/a//b/" -> {"a", "b"}
std::vector<std::string> pathComponents(const std::string& path);
// The pids listed in a cgroup.procs text.
std::vector<pid_t> parsePids(std::string_view text);
// Appends the processes of `dir` and of every cgroup below it; groups that vanish meanwhile
// are skipped.
Result<void> collectPids(const Dir& dir, std::vector<pid_t>& out);
// mkdir -p of `parts` below `mount`, enabling `controllers` in cgroup.subtree_control at each
// level on v2. Records every directory it made in `made`. The first `othersDepth` parts are
// another manager's (systemd's slice and scope, Cgroup::create's `delegatedRoot`): they must
// exist, and neither is made nor has its subtree_control written.
Result<void> makePath(const CgroupMount& mount, const std::vector<std::string>& parts, ControllerSet controllers,
                      std::vector<std::string>& made, size_t othersDepth = 0);
// rmdir of `path` and everything below it, children first, retrying on EBUSY until `deadline`.
Result<void> removeDirTree(const std::string& path, std::chrono::steady_clock::time_point deadline);

}  // namespace agent::cgroup
