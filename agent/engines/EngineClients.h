#pragma once
// The engine clients agentd runs, as its config's `engines:` section and `containerd_state`
// ask (docs/engines.md): each keeps its engine's containers in the one EngineDirectory the
// collector reads; the limit clients write limits through an engine's own API.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ContainerdWatcher.h"
#include "DockerApiClient.h"
#include "EngineDirectory.h"
#include "EngineLimitClient.h"
#include "EnginesConfig.h"

namespace agent::engines {

class EngineClients {
 public:
  // `containerdState`: containerd's state directory (task bundles); "" reads none.
  EngineClients(const EnginesConfig& config, const std::string& containerdState,
                std::shared_ptr<collectors::engines::EngineDirectory> directory);
  size_t running() const { return docker_.size(); }
  // A collection's containers: containerd's new ones are looked up in their task bundles.
  void observe(const collectors::Snapshot& snapshot);

 private:
  std::vector<std::unique_ptr<DockerApiClient>> docker_;  // Docker-compatible APIs
  std::unique_ptr<ContainerdWatcher> containerd_;
};

// The reconciler's writers for engines with a limits API, by engine name: Docker's
// (`docker update`'s rules) when Docker is not off; podman's go to the cgroup files.
std::map<std::string, std::shared_ptr<EngineLimitClient>> engineLimitClients(const EnginesConfig& config);

}  // namespace agent::engines
