// Any bytes as Docker's answer to GET /containers/{id}/json (agentd reads it before every
// limit update of a Docker container): no crash, no sanitizer report; a refusal names what it
// read; what parses builds an update body for each kind of limit without overflow, whose
// MemorySwap is never below its Memory (Docker refuses that) and which never sets NanoCpus
// beside a CpuQuota or CpuPeriod the container holds, nor those beside its NanoCpus (Docker's
// "Conflicting options").
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "DockerLimitUpdate.h"
#include "DockerResources.h"

using namespace agent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto current = collectors::engines::parseDockerResources(text);
  if (!current) {
    if (current.error().message().find("inspect answer") == std::string::npos) std::abort();
    return 0;
  }
  std::vector<policies::LimitSet> asks(4);
  asks[0].cpu = cgroup::CpuQuota{cgroup::Bound::of(50000), 100000};
  asks[1].cpu = cgroup::CpuQuota{cgroup::Bound::unlimited(), 100000};
  asks[2].memoryMax = cgroup::Bound::of(128 << 20);
  asks[3].memoryMax = cgroup::Bound::unlimited();
  for (const auto& ask : asks) {
    auto body = engines::dockerUpdateBody(ask, *current, 4096);
    if (!body) continue;
    // Docker's "Conflicting options" (a state Docker itself never makes, both kinds set, aside).
    bool quotaHeld = current->cpuQuota > 0 || current->cpuPeriod > 0, nanoHeld = current->nanoCpus > 0;
    if (!(quotaHeld && nanoHeld)) {
      if (body->contains("NanoCpus") && quotaHeld) std::abort();
      bool quotaSent =
          (body->contains("CpuQuota") && (*body)["CpuQuota"].get<int64_t>() > 0) || body->contains("CpuPeriod");
      if (quotaSent && nanoHeld) std::abort();
    }
    if (body->contains("Memory")) {
      int64_t memory = (*body)["Memory"].get<int64_t>(), swap = (*body)["MemorySwap"].get<int64_t>();
      if (memory <= 0 || (swap != -1 && swap < memory)) std::abort();
    }
  }
  return 0;
}
