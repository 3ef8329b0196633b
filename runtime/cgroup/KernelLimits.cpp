#include "KernelLimits.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <string>

namespace agent::cgroup {

namespace {
constexpr uint64_t kLongMax = static_cast<uint64_t>(LONG_MAX);

// The reason alone (no errno text): callers put it into their own sentence.
tl::unexpected<Error> refused(std::string why) {
  return tl::unexpected<Error>(Error{EINVAL, "", std::move(why)});
}
}  // namespace

uint64_t hostPageSize() {
  long size = ::sysconf(_SC_PAGESIZE);
  return size > 0 ? static_cast<uint64_t>(size) : 4096;
}

uint64_t memoryUnlimitedBytes(uint64_t pageSize) {
  // PAGE_COUNTER_MAX is LONG_MAX / PAGE_SIZE pages on 64-bit kernels.
  return kLongMax / pageSize * pageSize;
}

Bound normalizeMemory(const Bound& requested, uint64_t pageSize) {
  if (requested.isUnlimited()) return requested;
  uint64_t pages = std::min(*requested.value / pageSize, kLongMax / pageSize);
  if (pages == kLongMax / pageSize) return Bound::unlimited();
  return Bound::of(pages * pageSize);
}

Bound memoryLimitFromBytes(uint64_t bytes, uint64_t pageSize) {
  return bytes >= memoryUnlimitedBytes(pageSize) ? Bound::unlimited() : Bound::of(bytes);
}

Result<CpuQuota> normalizeCpuQuota(const CpuQuota& quota) {
  if (quota.periodUs < kMinCfsPeriodUs || quota.periodUs > kMaxCfsPeriodUs) {
    return refused("the period " + std::to_string(quota.periodUs) + " us is outside the kernel's " +
                   std::to_string(kMinCfsPeriodUs) + ".." + std::to_string(kMaxCfsPeriodUs) + " us");
  }
  if (quota.quotaUs.isUnlimited()) return quota;
  uint64_t us = *quota.quotaUs.value;
  if (us < kMinCfsQuotaUs) {
    return refused("the quota " + std::to_string(us) + " us per period is below the kernel's minimum of " +
                   std::to_string(kMinCfsQuotaUs) + " us");
  }
  if (us > kMaxCfsQuotaUs) {
    return refused("the quota " + std::to_string(us) + " us per period is above the kernel's maximum of " +
                   std::to_string(kMaxCfsQuotaUs) + " us");
  }
  return quota;
}

uint64_t normalizeCpuShares(uint64_t shares) {
  return std::clamp(shares, kMinCpuShares, kMaxCpuShares);
}

Result<uint64_t> normalizeCpuWeight(uint64_t weight) {
  if (weight < kMinCpuWeight || weight > kMaxCpuWeight) {
    return refused("the weight " + std::to_string(weight) + " is outside the kernel's " +
                   std::to_string(kMinCpuWeight) + ".." + std::to_string(kMaxCpuWeight));
  }
  return weight;
}

Result<Bound> normalizePids(const Bound& pids) {
  if (!pids.isUnlimited() && *pids.value > kPidMaxLimit) {
    return refused("above the kernel's maximum of " + std::to_string(kPidMaxLimit) +
                   " tasks (PID_MAX_LIMIT); use max for no limit");
  }
  return pids;
}

}  // namespace agent::cgroup
