#pragma once
// Limits on an engine's container set through the engine's API, as its own CLI would
// (`docker update`), so that the engine's view (`docker inspect`) agrees and its restarts
// keep them. The reconciler's seam (Reconciler::Options::engineLimits): agentd gives one per
// engine with an API socket; host tests give one on a private dockerd.
#include <cstdint>
#include <string>

#include "Error.h"
#include "LimitSet.h"

namespace agent::engines {

class EngineLimitClient {
 public:
  virtual ~EngineLimitClient() = default;
  // Makes the resources `desired` sets (the kernel's form) the container's limits through the
  // engine; returns once the engine has written them to the cgroup. `id`: the full id.
  // Errors are sentences with the engine's own message and what to do; ENOENT: no such
  // container any more.
  virtual Result<void> update(const std::string& id, const policies::LimitSet& desired, uint64_t pageSize) = 0;
};

}  // namespace agent::engines
