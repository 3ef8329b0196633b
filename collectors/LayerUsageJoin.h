#pragma once
// Which exported containers have a writable layer the agent can measure, and the measures
// put into their samples. Agent containers: their overlay upper dir (AgentContainerInfo).
// Engines' containers: the upper dir the engine reports (EngineContainer::upperDir, Docker's
// GraphDriver.Data.UpperDir). Joined by the cgroup's container id.
#include <map>
#include <string>

#include "EngineContainer.h"
#include "LayerUsage.h"
#include "Snapshot.h"

namespace agent::collectors {

// Container id -> upper dir, for the snapshot's samples that have one. `engines` may be null.
std::map<std::string, std::string> writableLayersOf(const Snapshot& snapshot, const engines::EngineContainers* engines);
// Sets each sample's writableLayer from `usages` (by container id); others get none.
void attachLayerUsage(Snapshot& snapshot, const LayerUsages& usages);

}  // namespace agent::collectors
