#include "DockerLimitUpdate.h"

#include <limits>

#include "KernelLimits.h"

namespace agent::engines {

namespace {

constexpr int64_t kUnlimited = -1;  // CpuQuota, MemorySwap and PidsLimit: no limit
constexpr uint64_t kInt64Max = uint64_t(std::numeric_limits<int64_t>::max());

Result<void> setCpu(nlohmann::json& body, const cgroup::CpuQuota& cpu, const policies::LimitSet& desired,
                    const collectors::engines::DockerResources& current) {
  // Docker refuses NanoCpus on a container run with --cpu-quota/--cpu-period and those two on
  // one run with --cpus ("Conflicting options"); -1 (no limit) conflicts with neither. At a
  // start a CpuQuota other than 0 wins over NanoCpus, and 0 in an update means "unchanged":
  // a CpuQuota once set (even -1) stays, so such a container keeps going by CpuQuota.
  bool heldAsQuota = current.cpuQuota != 0 || current.cpuPeriod > 0;
  bool heldAsNanoCpus = current.nanoCpus > 0;
  if (cpu.quotaUs.isUnlimited()) {
    if (heldAsNanoCpus) {
      return userError(
          "cpu max cannot go through Docker for this container: Docker holds its CPU limit as NanoCpus (docker run "
          "--cpus, or an earlier agentctl limit --cpu through Docker), which its API cannot remove (0 means "
          "unchanged), and a CpuQuota of -1 beside it would be lost on the next restart; ask for the host's CPUs "
          "in percent instead (e.g. 200% on 2 CPUs), or recreate the container without --cpus",
          EINVAL);
    }
    body["CpuQuota"] = kUnlimited;
    return {};
  }
  uint64_t quota = *cpu.quotaUs.value;
  if (quota > kInt64Max / 10000) {
    return userError("cpu " + desired.format(policies::Resource::Cpu) + " is more than Docker's API can hold", ERANGE);
  }
  if (heldAsNanoCpus || (!heldAsQuota && cpu.periodUs == kDockerNanoCpusPeriodUs)) {
    if (cpu.periodUs != kDockerNanoCpusPeriodUs) {
      return userError("cpu " + desired.format(policies::Resource::Cpu) + " has a period of " +
                           std::to_string(cpu.periodUs) +
                           " us, but Docker holds this container's CPU limit as --cpus (HostConfig.NanoCpus), whose "
                           "period is fixed at 100000 us: ask for the limit in CPUs or percent (e.g. 50%), or "
                           "recreate the container with --cpu-quota and --cpu-period",
                       EINVAL);
    }
    body["NanoCpus"] = int64_t(quota * 10000);  // `docker update --cpus`: quota per 100000 us in 1e-9 CPUs
    return {};
  }
  body["CpuQuota"] = int64_t(quota);
  body["CpuPeriod"] = int64_t(cpu.periodUs);
  return {};
}

Result<void> setMemory(nlohmann::json& body, const cgroup::Bound& memory, const policies::LimitSet& desired,
                       const collectors::engines::DockerResources& current, uint64_t pageSize) {
  // Memory -1 is refused ("Minimum memory limit allowed is 6MB") and 0 means "unchanged": no
  // limit goes as the kernel's cap, which the kernel shows as none.
  uint64_t bytes = memory.value.value_or(cgroup::memoryUnlimitedBytes(pageSize));
  if (bytes > kInt64Max) {
    return userError("memory " + desired.format(policies::Resource::Memory) + " is more than Docker's API can hold",
                     ERANGE);
  }
  body["Memory"] = int64_t(bytes);
  // Docker refuses Memory above the MemorySwap it holds unless MemorySwap changes in the same
  // update, and MemorySwap below Memory always: it is sent with every memory limit. The swap
  // the container was allowed beside its memory (--memory-swap minus --memory) is kept. Only
  // a MemorySwap above 0 reaches the kernel (memory.memsw.limit_in_bytes on v1, which must
  // stay at or above memory): a container that has one gets one that fits the new memory;
  // one without (0 or -1: no memory+swap limit in the kernel) gets -1, no swap limit.
  int64_t swap = kUnlimited;
  if (current.memorySwap > 0) {
    uint64_t allowance =
        current.memory > 0 && current.memorySwap >= current.memory ? uint64_t(current.memorySwap - current.memory) : 0;
    swap = allowance <= kInt64Max - bytes ? int64_t(bytes + allowance) : int64_t(kInt64Max);
  }
  body["MemorySwap"] = swap;
  return {};
}

Result<void> setPids(nlohmann::json& body, const cgroup::Bound& pids, const policies::LimitSet& desired) {
  if (pids.isUnlimited()) {
    body["PidsLimit"] = kUnlimited;
    return {};
  }
  // Docker reads a PidsLimit of 0 as "no limit", not as the kernel's pids.max 0.
  if (*pids.value == 0) {
    return userError("pids 0 cannot go through Docker, which reads a PidsLimit of 0 as no limit: ask for 1 or more",
                     EINVAL);
  }
  if (*pids.value > kInt64Max) {
    return userError("pids " + desired.format(policies::Resource::Pids) + " is more than Docker's API can hold",
                     ERANGE);
  }
  body["PidsLimit"] = int64_t(*pids.value);
  return {};
}

}  // namespace

Result<nlohmann::json> dockerUpdateBody(const policies::LimitSet& desired,
                                        const collectors::engines::DockerResources& current, uint64_t pageSize) {
  nlohmann::json body = nlohmann::json::object();
  if (desired.cpu) {
    if (auto set = setCpu(body, *desired.cpu, desired, current); !set) return tl::unexpected(set.error());
  }
  if (desired.memoryMax) {
    if (auto set = setMemory(body, *desired.memoryMax, desired, current, pageSize); !set) {
      return tl::unexpected(set.error());
    }
  }
  if (desired.pidsMax) {
    if (auto set = setPids(body, *desired.pidsMax, desired); !set) return tl::unexpected(set.error());
  }
  return body;
}

}  // namespace agent::engines
