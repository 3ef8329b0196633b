#pragma once
// Gives the samples of other engines' containers the name, image and labels their engine
// knows (EngineDirectory), joined by the id the classifier found in the cgroup path. What the
// engine does not say (an empty name) keeps the classifier's short id.
#include "EngineContainer.h"
#include "Snapshot.h"

namespace agent::collectors::engines {

void nameEngineContainers(Snapshot& snapshot, const EngineContainers& containers);

}  // namespace agent::collectors::engines
