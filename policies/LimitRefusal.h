#pragma once
// A limit the kernel refused, in words: which file, which value, why, and what to do; never
// a bare errno text. The cases the kernel's own rules explain (a parent's CPU quota on v1,
// memory above memory+swap on v1, memory it cannot reclaim) are named with the values in
// the way; any other errno says what it usually means here.
#include <optional>
#include <string>

#include "CpuQuotaConflict.h"
#include "Error.h"
#include "LimitSet.h"
#include "Limits.h"

namespace agent::policies {

struct Refusal {
  Resource resource;
  std::string requested;  // canonical text of what was asked for ("60%")
  std::string holds;      // what the group keeps ("max")
  Error error;            // from the write
  cgroup::Limits before;  // the group's limits as read before the write
  // For cpu on cgroup v1: the group whose quota stands in the way (CpuQuotaConflict.h).
  std::optional<cgroup::CpuQuotaConflict> cpuConflict;
  std::optional<uint64_t> memoryUsageBytes;  // for memory: usage before the write
};

// One sentence without the resource's name in front (callers print "cpu: <sentence>").
std::string describeRefusal(const Refusal& refusal);

}  // namespace agent::policies
