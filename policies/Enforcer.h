#pragma once
// Makes a cgroup's limits what they should be: reads the files, writes only the resources
// that differ, one at a time, so that each has its own outcome. The one place that writes
// limits for `agentctl limit` and for the reconciler.
#include <string>
#include <vector>

#include "Cgroup.h"
#include "Error.h"
#include "LimitSet.h"

namespace agent::policies {

struct Change {
  Resource resource;
  std::string before;  // canonical text as the kernel showed it ("max" when unlimited)
  std::string after;   // as it shows now (== before when nothing was written or it failed)
  bool written = false;
  std::string note;   // what else happened: memory reclaimed, a process OOM-killed
  std::string error;  // why it could not be set; empty on success
};

// For every resource `desired` sets: compare with the group and, when `write`, make it so.
// `write` false reports what would change (config `enforce: false`). Fails only when the
// group's limits cannot be read at all (gone, or not a cgroup of ours to read).
Result<std::vector<Change>> enforce(const cgroup::Cgroup& group, const LimitSet& desired, bool write);

}  // namespace agent::policies
