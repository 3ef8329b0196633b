#include "LayerUsageJoin.h"

namespace agent::collectors {

namespace {

bool isEngineRuntime(Runtime runtime) {
  return runtime == Runtime::Docker || runtime == Runtime::Podman || runtime == Runtime::Containerd;
}

}  // namespace

std::map<std::string, std::string> writableLayersOf(const Snapshot& snapshot,
                                                    const engines::EngineContainers* engines) {
  std::map<std::string, std::string> layers;
  for (const auto& sample : snapshot.cgroups) {
    const auto& c = sample.classification;
    if (c.id.empty()) continue;
    if (c.runtime == Runtime::Agent && snapshot.agentContainers) {
      auto found = snapshot.agentContainers->find(c.id);
      if (found != snapshot.agentContainers->end() && !found->second.upperDir.empty())
        layers.emplace(c.id, found->second.upperDir);
    } else if (isEngineRuntime(c.runtime) && engines) {
      auto found = engines->find(c.id);
      if (found != engines->end() && !found->second.upperDir.empty()) layers.emplace(c.id, found->second.upperDir);
    }
  }
  return layers;
}

void attachLayerUsage(Snapshot& snapshot, const LayerUsages& usages) {
  for (auto& sample : snapshot.cgroups) {
    sample.writableLayer.reset();
    if (sample.classification.runtime == Runtime::Root || sample.classification.id.empty()) continue;
    if (auto found = usages.find(sample.classification.id); found != usages.end()) sample.writableLayer = found->second;
  }
}

}  // namespace agent::collectors
