#pragma once
// Why cgroup v1 refused a CFS quota. The kernel keeps every group's quota/period at or below
// that of its nearest ancestor with a quota (kernel/sched/core.c tg_cfs_schedulable_down:
// on cgroup v1 "quota > parent_quota" is EINVAL, for the group written and for every group
// below it). So a child cannot be given more than its parent, and a parent cannot be given
// less than one of its children. cgroup v2 accepts both and caps the child in effect.
// Asked after an EINVAL, to say which group stands in the way.
#include <optional>
#include <string>

#include "Cgroup.h"
#include "Limits.h"

namespace agent::cgroup {

struct CpuQuotaConflict {
  enum class With { Ancestor, Descendant };
  With with = With::Ancestor;
  bool adjacent = true;    // the direct parent, or a direct child
  std::string cgroupPath;  // e.g. "/x", in the same terms as the group's own path
  CpuQuota quota;          // what that group holds
};

// The group whose quota refuses `wanted` for `group` on cgroup v1: the nearest ancestor with
// a quota if `wanted` is above it, else the descendant with the largest quota above `wanted`.
// nullopt on v2, or when no group stands in the way.
std::optional<CpuQuotaConflict> findCpuQuotaConflict(const Cgroup& group, const CpuQuota& wanted);
// On either version: the ancestor with the smallest quota, if it is below `wanted`. On v2
// the kernel takes `wanted` and the group gets at most that ancestor's share in effect.
std::optional<CpuQuotaConflict> findCappingAncestor(const Cgroup& group, const CpuQuota& wanted);

}  // namespace agent::cgroup
