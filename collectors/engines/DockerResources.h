#pragma once
// The limits Docker keeps for a container (HostConfig of GET /containers/{id}/json, Engine
// API 1.41), in Docker's own terms: what a limit update must be checked against, because
// Docker refuses an update that conflicts with what the container was run with (--cpus
// against --cpu-quota, --memory above --memory-swap). A pure parser of the engine's answer:
// string_view in, no I/O (fuzz/docker_resources_fuzzer.cpp).
#include <cstdint>
#include <optional>
#include <string_view>

#include "Error.h"

namespace agent::collectors::engines {

struct DockerResources {
  int64_t nanoCpus = 0;              // --cpus x 1e9; 0: not set
  int64_t cpuQuota = 0;              // --cpu-quota in us; 0: not set, -1: set to unlimited
  int64_t cpuPeriod = 0;             // --cpu-period in us; 0: not set (the kernel's 100000)
  int64_t memory = 0;                // --memory in bytes; 0: no limit
  int64_t memorySwap = 0;            // --memory-swap: memory plus swap in bytes; 0: not set, -1: unlimited swap
  std::optional<int64_t> pidsLimit;  // --pids-limit; null, 0 or -1: no limit
  bool operator==(const DockerResources&) const = default;
};

// HostConfig's resource fields of an inspect answer. A missing field is Docker's zero (older
// engines leave some out); a field of the wrong type, or an answer that is not a JSON object
// with a HostConfig object, is an error that names it.
Result<DockerResources> parseDockerResources(std::string_view inspectJson);

}  // namespace agent::collectors::engines
