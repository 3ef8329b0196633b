#include "Limits.h"

#include <cmath>

namespace agent::cgroup {

CpuQuota CpuQuota::fromCpus(double cpus, uint64_t periodUs) {
  return CpuQuota{Bound::of(static_cast<uint64_t>(std::llround(cpus * static_cast<double>(periodUs)))), periodUs};
}

std::optional<double> CpuQuota::cpus() const {
  if (quotaUs.isUnlimited() || periodUs == 0) return std::nullopt;
  return static_cast<double>(*quotaUs.value) / static_cast<double>(periodUs);
}

uint64_t sharesToWeight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares <= kMinCpuShares) return kMinCpuWeight;
  if (shares >= kMaxCpuShares) return kMaxCpuWeight;
  double l = std::log2(static_cast<double>(shares));
  double exponent = (l * l + 125.0 * l) / 612.0 - 7.0 / 34.0;
  return static_cast<uint64_t>(std::ceil(std::pow(10.0, exponent)));
}

uint64_t weightToShares(uint64_t weight) {
  if (weight == 0) return 0;
  if (weight <= kMinCpuWeight) return kMinCpuShares;
  if (weight >= kMaxCpuWeight) return kMaxCpuShares;
  // Solve l^2 + 125 l - 612 (log10(w) + 7/34) = 0 for the positive root.
  double e = std::log10(static_cast<double>(weight)) + 7.0 / 34.0;
  double l = (-125.0 + std::sqrt(125.0 * 125.0 + 4.0 * 612.0 * e)) / 2.0;
  return static_cast<uint64_t>(std::llround(std::exp2(l)));
}

}  // namespace agent::cgroup
