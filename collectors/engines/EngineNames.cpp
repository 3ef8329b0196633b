#include "EngineNames.h"

namespace agent::collectors::engines {

void nameEngineContainers(Snapshot& snapshot, const EngineContainers& containers) {
  if (containers.empty()) return;
  for (auto& sample : snapshot.cgroups) {
    Runtime runtime = sample.classification.runtime;
    if (runtime == Runtime::Agent || !isContainerRuntime(runtime)) continue;
    auto found = containers.find(sample.classification.id);
    if (found == containers.end()) continue;
    const EngineContainer& c = found->second;
    if (!c.name.empty()) sample.name = c.name;
    sample.image = c.image;
    sample.labels = c.labels;
  }
}

}  // namespace agent::collectors::engines
