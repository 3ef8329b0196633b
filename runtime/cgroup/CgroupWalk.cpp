#include "CgroupWalk.h"

#include <algorithm>
#include <set>

#include "CgroupInventory.h"
#include "FileAt.h"

namespace agent::cgroup {

namespace {

void walk(const Dir& dir, const std::string& path, size_t depth, size_t maxDepth, std::set<std::string>& seen,
          size_t& cut) {
  auto children = listSubdirs(dir);
  if (!children) return;  // gone meanwhile
  for (const auto& name : *children) {
    if (depth + 1 > maxDepth) {
      ++cut;
      continue;
    }
    std::string childPath = path == "/" ? "/" + name : path + "/" + name;
    seen.insert(childPath);
    auto child = dir.openChild(name);
    if (child) walk(*child, childPath, depth + 1, maxDepth, seen, cut);
  }
}

}  // namespace

Result<CgroupListing> listCgroups(const Hierarchy& hierarchy, size_t maxDepth, ControllerSet controllers) {
  std::vector<std::string> mountPoints = mountPointsFor(hierarchy, controllers);
  if (mountPoints.empty()) return logicError("list cgroups (no cgroup hierarchy is mounted)", hierarchy.cgroupRoot());

  std::set<std::string> seen;
  size_t cut = 0;
  size_t walked = 0;
  for (const auto& mountPoint : mountPoints) {
    auto root = Dir::open(mountPoint);
    if (!root) continue;
    ++walked;
    size_t cutHere = 0;
    walk(*root, "/", 0, maxDepth, seen, cutHere);
    cut = std::max(cut, cutHere);  // the same deep groups show up in several hierarchies
  }
  if (walked == 0) return logicError("list cgroups (no hierarchy could be opened)", hierarchy.cgroupRoot(), ENOENT);
  CgroupListing listing;
  listing.paths.reserve(seen.size() + 1);
  listing.paths.push_back("/");
  listing.paths.insert(listing.paths.end(), seen.begin(), seen.end());
  listing.cutAtDepth = cut;
  return listing;
}

}  // namespace agent::cgroup
