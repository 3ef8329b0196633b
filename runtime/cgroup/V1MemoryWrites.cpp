#include "V1MemoryWrites.h"

#include <string>

#include "KernelLimits.h"

namespace agent::cgroup {

bool boundLess(const Bound& a, const Bound& b) {
  if (a.isUnlimited()) return false;
  if (b.isUnlimited()) return true;
  return *a.value < *b.value;
}

namespace {
std::string bytesText(const Bound& b) {
  return b.isUnlimited() ? "-1" : std::to_string(*b.value);
}
}  // namespace

Result<std::vector<V1MemoryWrite>> planV1MemoryWrites(const V1MemoryState& now, const std::optional<Bound>& memory,
                                                      const std::optional<Bound>& memoryAndSwap, uint64_t pageSize) {
  if (memoryAndSwap && !now.memoryAndSwap) {
    return tl::unexpected<Error>(Error{EOPNOTSUPP, kV1MemswLimitFile,
                                       "set a swap limit (the kernel has no swap accounting: boot with "
                                       "swapaccount=1, or leave swap alone); no such file"});
  }
  Bound wantMemory = memory ? normalizeMemory(*memory, pageSize) : now.memory;
  std::optional<Bound> wantMemsw = now.memoryAndSwap;
  if (memoryAndSwap) {
    wantMemsw = normalizeMemory(*memoryAndSwap, pageSize);
  } else if (memory && wantMemory.isUnlimited() && now.memoryAndSwap) {
    wantMemsw = Bound::unlimited();
  }

  std::vector<V1MemoryWrite> writes;
  if (wantMemsw && boundLess(*wantMemsw, wantMemory)) {
    return tl::unexpected<Error>(Error{EINVAL, kV1MemswLimitFile,
                                       "set memory.limit_in_bytes to " + bytesText(wantMemory) +
                                           " (above memory.memsw.limit_in_bytes " + bytesText(*wantMemsw) +
                                           "; cgroup v1 keeps memory at or below memory+swap)"});
  }
  bool memoryChanges = wantMemory != now.memory;
  bool memswChanges = wantMemsw && now.memoryAndSwap && *wantMemsw != *now.memoryAndSwap;
  // memory+swap first when it stays at or above the memory limit in force; then memory is
  // at or below it in both steps. Otherwise memory first: it goes below both the memory+swap
  // limit in force and the new one.
  if (memswChanges && !boundLess(*wantMemsw, now.memory)) {
    writes.push_back({kV1MemswLimitFile, *wantMemsw});
    if (memoryChanges) writes.push_back({kV1MemoryLimitFile, wantMemory});
  } else {
    if (memoryChanges) writes.push_back({kV1MemoryLimitFile, wantMemory});
    if (memswChanges) writes.push_back({kV1MemswLimitFile, *wantMemsw});
  }
  return writes;
}

}  // namespace agent::cgroup
