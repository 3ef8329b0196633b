#pragma once
// Version-independent resource limits. An empty optional means "not given / leave alone";
// a Bound that is unlimited means "remove the limit" ("max" on v2, -1 on v1).
#include <cstdint>
#include <optional>

namespace agent::cgroup {

struct Bound {
  std::optional<uint64_t> value;  // nullopt: unlimited

  static Bound unlimited() { return {}; }
  static Bound of(uint64_t v) { return Bound{v}; }
  bool isUnlimited() const { return !value.has_value(); }
  bool operator==(const Bound&) const = default;
};

inline constexpr uint64_t kDefaultCpuPeriodUs = 100000;

// CFS bandwidth: the group may run `quotaUs` every `periodUs`, summed over all CPUs.
struct CpuQuota {
  Bound quotaUs;
  uint64_t periodUs = kDefaultCpuPeriodUs;

  // docker --cpus 0.5 -> 50000 per 100000.
  static CpuQuota fromCpus(double cpus, uint64_t periodUs = kDefaultCpuPeriodUs);
  // The quota in CPUs, or nullopt when unlimited.
  std::optional<double> cpus() const;
  bool operator==(const CpuQuota&) const = default;
};

struct Limits {
  std::optional<CpuQuota> cpu;
  // v1 cpu.shares semantics (2..262144, default 1024), as docker --cpu-shares and OCI take it.
  // On v2 it is written to cpu.weight through sharesToWeight and read back through weightToShares.
  std::optional<uint64_t> cpuShares;
  std::optional<Bound> memoryMax;
  std::optional<Bound> memoryHigh;  // v2 only: v1 has no throttling threshold
  std::optional<Bound> swapMax;     // swap alone, as v2's memory.swap.max (v1 writes memory+swap)
  // Read only, v1 with swap accounting: memory.memsw.limit_in_bytes, the cap on memory and
  // swap together (`docker run --memory-swap`). The kernel keeps memoryMax at or below it.
  std::optional<Bound> memoryAndSwapMax;
  std::optional<Bound> pidsMax;
  bool operator==(const Limits&) const = default;
};

inline constexpr uint64_t kMinCpuShares = 2, kMaxCpuShares = 262144;
inline constexpr uint64_t kMinCpuWeight = 1, kMaxCpuWeight = 10000;

// The conversion runc and crun >= 1.23 use: a quadratic in log2(shares) through the three
// anchors 2 -> 1, 1024 -> 100 (both defaults) and 262144 -> 10000, so that ratios between
// groups survive; the older linear formula mapped the default 1024 to 39.
uint64_t sharesToWeight(uint64_t shares);
// Its inverse, for reading a v2 weight back as shares; exact at the anchors.
uint64_t weightToShares(uint64_t weight);

}  // namespace agent::cgroup
