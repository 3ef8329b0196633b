#pragma once
// The engine clients agentd runs, as its config's `engines:` section asks (docs/engines.md):
// each keeps its engine's containers in the one EngineDirectory the collector reads.
#include <memory>
#include <vector>

#include "DockerApiClient.h"
#include "EngineDirectory.h"
#include "EnginesConfig.h"

namespace agent::engines {

class EngineClients {
 public:
  EngineClients(const EnginesConfig& config, std::shared_ptr<collectors::engines::EngineDirectory> directory);
  size_t running() const { return docker_.size(); }

 private:
  std::vector<std::unique_ptr<DockerApiClient>> docker_;  // Docker-compatible APIs
};

}  // namespace agent::engines
