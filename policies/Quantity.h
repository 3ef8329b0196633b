#pragma once
// The one parser for resource quantities, used by agentctl, the policy YAML and the API
// (SPEC.md "Quantities"):
//   cpu     50% / 150% (percent of ONE cpu), 0.5 / 2 (cpus), 500m (milli-cpus)
//   memory  268435456, 256k / 256m / 1g / 1t (any case), 256Ki / Mi / Gi / Ti: powers of 1024
//   pids    100
//   any     max or unlimited: remove the limit
// and the canonical form shown back to users (50%, 256Mi, 100, max). What the kernel would
// refuse is refused here (pids above PID_MAX_LIMIT, a quota under 1 ms per period); what it
// rounds (memory, to pages) is accepted and compared in the kernel's form (KernelLimits.h).
#include <cstdint>
#include <string>
#include <string_view>

#include "Error.h"
#include "Limits.h"
#include "MessageText.h"

namespace agent::policies {

inline constexpr uint64_t kMinMemoryBytes = 6ull << 20;  // below this the kernel OOMs at once

// CFS quota in µs per 100000 µs period; `hostCpus` bounds it (above host CPUs x 100% is refused).
Result<cgroup::CpuQuota> parseCpu(std::string_view text, unsigned hostCpus);
Result<cgroup::Bound> parseMemory(std::string_view text);
Result<cgroup::Bound> parsePids(std::string_view text);

// How much of a refused quantity a message shows (runtime/io/MessageText.h quotes it).
inline constexpr size_t kShownQuantityBytes = 64;

std::string formatCpu(const cgroup::CpuQuota& quota);  // "50%", "max"
std::string formatMemory(const cgroup::Bound& bytes);  // "256Mi", "1536Ki", "12345", "max"
std::string formatPids(const cgroup::Bound& pids);     // "100", "max"

}  // namespace agent::policies
