#include "CpuQuotaConflict.h"

#include "CgroupBackend.h"
#include "CgroupTree.h"

namespace agent::cgroup {

namespace {

// quota/period of `a` above that of `b`, exactly (the kernel compares the same ratio in
// fixed point); unlimited is above every quota.
bool ratioAbove(const CpuQuota& a, const CpuQuota& b) {
  if (a.quotaUs.isUnlimited()) return !b.quotaUs.isUnlimited();
  if (b.quotaUs.isUnlimited()) return false;
  using Wide = unsigned __int128;
  return Wide{*a.quotaUs.value} * b.periodUs > Wide{*b.quotaUs.value} * a.periodUs;
}

std::optional<CpuQuota> readQuota(const Dir& dir, CgroupVersion version = CgroupVersion::V1) {
  char buffer[64];
  Limits limits;
  // The top of a hierarchy has no quota file (v2) or no quota (v1): nothing to compare.
  if (!backendFor(version).readCpuLimits(dir, limits, buffer) || !limits.cpu) return std::nullopt;
  return limits.cpu;
}

// The descendant of `dir` (at `path`) with the largest quota above `wanted`, depth first.
void largestBelow(const Dir& dir, const std::string& path, const CpuQuota& wanted, int depth,
                  std::optional<CpuQuotaConflict>& found) {
  auto children = listSubdirs(dir);
  if (!children) return;
  for (const auto& name : *children) {
    auto child = dir.openChild(name);
    if (!child) continue;  // gone meanwhile
    std::string childPath = path == "/" ? "/" + name : path + "/" + name;
    auto quota = readQuota(*child);
    if (quota && ratioAbove(*quota, wanted) && (!found || ratioAbove(*quota, found->quota))) {
      found = CpuQuotaConflict{CpuQuotaConflict::With::Descendant, depth == 1, childPath, *quota};
    }
    largestBelow(*child, childPath, wanted, depth + 1, found);
  }
}

}  // namespace

std::optional<CpuQuotaConflict> findCappingAncestor(const Cgroup& group, const CpuQuota& wanted) {
  const CgroupMount* mount = group.mountFor(Controller::Cpu);
  if (mount == nullptr) return std::nullopt;
  // On v1 the nearest ancestor with a quota has the smallest (the kernel keeps each at or
  // below its parent's); on v2 any may, as it takes the minimum along the path.
  std::optional<CpuQuotaConflict> lowest;
  auto parts = pathComponents(group.path());
  for (size_t depth = parts.size(); depth-- > 0;) {
    std::string path;
    for (size_t i = 0; i < depth; ++i) path += "/" + parts[i];
    auto ancestor = Dir::open(mount->mountPoint + path);
    if (!ancestor) break;
    auto quota = readQuota(*ancestor, mount->version);
    if (!quota || quota->quotaUs.isUnlimited() || !ratioAbove(wanted, *quota)) continue;
    if (!lowest || ratioAbove(lowest->quota, *quota)) {
      lowest = CpuQuotaConflict{CpuQuotaConflict::With::Ancestor, depth + 1 == parts.size(), path.empty() ? "/" : path,
                                *quota};
    }
  }
  return lowest;
}

std::optional<CpuQuotaConflict> findCpuQuotaConflict(const Cgroup& group, const CpuQuota& wanted) {
  const CgroupMount* mount = group.mountFor(Controller::Cpu);
  const Dir* dir = group.dirFor(Controller::Cpu);
  if (mount == nullptr || dir == nullptr || mount->version != CgroupVersion::V1) return std::nullopt;
  // No quota inherits the parent's: never refused for the parent's sake.
  if (wanted.quotaUs.isUnlimited()) return std::nullopt;
  if (auto above = findCappingAncestor(group, wanted)) return above;
  std::optional<CpuQuotaConflict> below;
  largestBelow(*dir, group.path(), wanted, 1, below);
  return below;
}

}  // namespace agent::cgroup
