#pragma once
// Which of cgroup v1's two memory files to write, and in which order. The kernel keeps
// memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every single write and refuses
// (EINVAL) one that would break it (mm/memcontrol-v1.c mem_cgroup_resize_max,
// "limits_invariant"), comparing whole pages. So, as runc does (libcontainer/cgroups/fs/
// memory.go setMemoryAndSwap): when memory+swap goes to at least the current memory
// limit, memory+swap is written first, else memory is.
//
// The semantics when only memory is asked for (the user's vocabulary has no swap):
//   - memory `max`: memory+swap becomes unlimited too (runc's rule: a group with no
//     memory limit has none on memory+swap either); written first.
//   - memory above a finite memory+swap limit (`docker run --memory 512m --memory-swap
//     768m`, then 1Gi): refused, nothing written, naming the memory+swap limit that is in
//     the way (Docker refuses the same `docker update`). Raising a cap the user set on
//     memory+swap is for the user to decide.
//   - anything else: memory alone; memory+swap stays as it is.
#include <optional>
#include <vector>

#include "Error.h"
#include "Limits.h"

namespace agent::cgroup {

inline constexpr char kV1MemoryLimitFile[] = "memory.limit_in_bytes";
inline constexpr char kV1MemswLimitFile[] = "memory.memsw.limit_in_bytes";

struct V1MemoryState {
  Bound memory;
  std::optional<Bound> memoryAndSwap;  // nullopt: no swap accounting (no memsw files)
};

struct V1MemoryWrite {
  const char* file;  // kV1MemoryLimitFile or kV1MemswLimitFile
  Bound value;       // as the kernel will hold it (page-rounded)
};

// The writes that take the group from `now` (as read) to `memory` and, when given,
// `memoryAndSwap`, each step valid for the kernel; values already held are not written.
// Refused (EINVAL, the memsw file as path) when memory would end above memory+swap;
// EOPNOTSUPP when memory+swap is asked for and the kernel has no swap accounting.
Result<std::vector<V1MemoryWrite>> planV1MemoryWrites(const V1MemoryState& now, const std::optional<Bound>& memory,
                                                      const std::optional<Bound>& memoryAndSwap, uint64_t pageSize);

// Unlimited above every number.
bool boundLess(const Bound& a, const Bound& b);

}  // namespace agent::cgroup
