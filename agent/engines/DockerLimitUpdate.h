#pragma once
// The body of Docker's POST /containers/{id}/update (Engine API 1.41) that makes the agent's
// limits true the way `docker update` would, so that `docker inspect` shows them and Docker's
// own restarts keep them. Built against what the container holds now (its HostConfig),
// because Docker refuses updates that conflict with it (moby's Container.UpdateContainer and
// verifyPlatformContainerResources): docs/engines.md "Limits on engines' containers" lists
// the rules. Pure: no I/O.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "DockerResources.h"
#include "Error.h"
#include "LimitSet.h"

namespace agent::engines {

// Docker's --cpus period (100ms): NanoCpus always means a quota per this period.
inline constexpr uint64_t kDockerNanoCpusPeriodUs = 100000;

// The update for the resources `desired` sets (cpu, memory, pids, in the kernel's form:
// policies::kernelForm), given the container's `current` HostConfig. `pageSize`: the host's,
// for memory without a limit, which Docker's API cannot say (Memory -1 is refused) and which
// is sent as the kernel's cap, which the kernel holds as no limit. An error says why the
// value cannot go through Docker and what to ask for instead.
Result<nlohmann::json> dockerUpdateBody(const policies::LimitSet& desired,
                                        const collectors::engines::DockerResources& current, uint64_t pageSize);

}  // namespace agent::engines
