#pragma once
// Every cgroup on the host, by path. On v1 each controller has its own tree and a logical
// cgroup is a path that exists in any of them (systemd creates some paths in a few
// hierarchies only), so the trees are merged by path; on v2 there is one tree; on a hybrid
// host both.
#include <string>
#include <vector>

#include "Error.h"
#include "Hierarchy.h"

namespace agent::cgroup {

struct CgroupListing {
  std::vector<std::string> paths;  // "/" first, then sorted: "/a", "/a/b", ...
  size_t cutAtDepth = 0;           // cgroups not listed because they are deeper than maxDepth
};

// Walks the hierarchies that serve `controllers` (all of them when empty) down to
// `maxDepth` levels below the root (the root is depth 0). Groups that vanish during the walk
// are skipped. A collector passes the controllers it reads: a path that exists only in
// other hierarchies (devices, net_cls, name=systemd...) has nothing for it to read.
Result<CgroupListing> listCgroups(const Hierarchy& hierarchy, size_t maxDepth, ControllerSet controllers = {});

}  // namespace agent::cgroup
