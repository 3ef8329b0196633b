#pragma once
// Makes a cgroup's limits what they should be: reads the files, writes only the resources
// that differ, one at a time, so that each has its own outcome. The one place that writes
// limits for `agentctl limit` and for the reconciler. Desired and actual compare in the
// kernel's own form (KernelLimits.h: memory in whole pages, "unlimited" however the kernel
// shows it), so a value the kernel rounded is not "put back" again and again.
#include <string>
#include <vector>

#include "Cgroup.h"
#include "Error.h"
#include "LimitFiles.h"
#include "LimitSet.h"

namespace agent::policies {

struct Change {
  Resource resource;
  std::string before;  // canonical text as the kernel showed it ("max" when unlimited); "" if it cannot hold it
  std::string after;   // as the kernel shows it now, read back (== before when nothing was written or it failed)
  bool written = false;
  std::string note;          // what else happened: the kernel rounded, memory reclaimed, a process OOM-killed
  std::string error;         // why it could not be set, as a sentence; empty on success
  bool unavailable = false;  // the error is that the group cannot hold this resource's limit at all
};

// For every resource `desired` sets: compare with the group and, when `write`, make it so.
// `write` false reports what would change (config `enforce: false`). Fails only when the
// group's limits cannot be read at all (gone, or not a cgroup of ours to read); a resource
// whose hierarchy lacks the group is a Change with `unavailable`, the others are still set.
Result<std::vector<Change>> enforce(const LimitFiles& group, const LimitSet& desired, bool write);
Result<std::vector<Change>> enforce(const cgroup::Cgroup& group, const LimitSet& desired, bool write);

}  // namespace agent::policies
