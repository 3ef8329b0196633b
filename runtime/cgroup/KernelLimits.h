#pragma once
// What the kernel makes of a limit it is given: it rounds, caps, clamps or refuses. Desired
// and actual limits compare only after this, or a reconciler "puts back" every pass what the
// kernel itself changed. One function per resource, each citing the kernel code it mirrors
// (Linux 6.x; the same since 4.x unless said):
//   memory  mm/page_counter.c page_counter_memparse: bytes / PAGE_SIZE, capped at
//           PAGE_COUNTER_MAX (include/linux/page_counter.h: LONG_MAX / PAGE_SIZE on 64-bit),
//           shown as pages * PAGE_SIZE; v2 shows PAGE_COUNTER_MAX as "max", v1 as the number
//           (9223372036854771712 with 4 KiB pages). Never refused, whatever the number.
//   cpu     kernel/sched/core.c tg_set_cfs_bandwidth: quota and period at least 1 ms
//           (min_cfs_quota_period), period at most 1 s (max_cfs_quota_period), quota at most
//           max_cfs_runtime (MAX_BW = 2^44 - 1 us); else EINVAL. A negative v1 quota is "none".
//   shares  kernel/sched/fair.c __sched_group_set_shares: clamped to MIN_SHARES..MAX_SHARES
//           (2..262144), never refused.
//   weight  kernel/sched/core.c cpu_weight_write_u64: outside CGROUP_WEIGHT_MIN..MAX
//           (1..10000) is ERANGE.
//   pids    kernel/cgroup/pids.c pids_max_write: 0..PID_MAX_LIMIT, above is EINVAL
//           (PIDS_MAX = PID_MAX_LIMIT + 1 is "max"); PID_MAX_LIMIT is 4 * 1024 * 1024 on
//           64-bit (include/linux/threads.h).
// The page size is the host's (sysconf), passed in so that tests can use 16 KiB or 64 KiB.
#include <cstdint>

#include "Error.h"
#include "Limits.h"

namespace agent::cgroup {

inline constexpr uint64_t kPidMaxLimit = 4194304;
inline constexpr uint64_t kMinCfsQuotaUs = 1000;
inline constexpr uint64_t kMinCfsPeriodUs = 1000;
inline constexpr uint64_t kMaxCfsPeriodUs = 1000000;
inline constexpr uint64_t kMaxCfsQuotaUs = (uint64_t{1} << 44) - 1;

// The host's page size, from sysconf(_SC_PAGESIZE).
uint64_t hostPageSize();

// PAGE_COUNTER_MAX * PAGE_SIZE: the byte count at and above which a memory limit is none.
uint64_t memoryUnlimitedBytes(uint64_t pageSize);
// What memory.limit_in_bytes, memory.memsw.limit_in_bytes or memory.max hold after a write
// of `requested`: rounded down to a page; at or above the cap, no limit.
Bound normalizeMemory(const Bound& requested, uint64_t pageSize);
// What a number read from a v1 memory file means: the cap (or more) is no limit.
Bound memoryLimitFromBytes(uint64_t bytes, uint64_t pageSize);

// CFS bandwidth as the kernel keeps it (unchanged), or why it would refuse it.
Result<CpuQuota> normalizeCpuQuota(const CpuQuota& quota);
// cpu.shares as the kernel keeps it.
uint64_t normalizeCpuShares(uint64_t shares);
// cpu.weight, or why the kernel would refuse it.
Result<uint64_t> normalizeCpuWeight(uint64_t weight);
// pids.max, or why the kernel would refuse it.
Result<Bound> normalizePids(const Bound& pids);

}  // namespace agent::cgroup
