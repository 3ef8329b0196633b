#pragma once
// The reconciler's view of containers agentd did not start (Reconciler.h's DiscoveredLookup
// and DiscoveredList), read from the collector's latest snapshot and the engines' directory.
#include <memory>

#include "EngineDirectory.h"
#include "LatestSnapshot.h"
#include "Reconciler.h"

namespace agent {

// Other runtimes' containers, as the latest snapshot classified them (DiscoveredRef.h): by
// full id, cgroup path, name (the engine's, e.g. Docker's `web`) or id prefix (12 characters
// or more). A reference that fits several is refused naming each. One that fits none is
// looked up again in a snapshot taken now (LatestSnapshot::refreshNow): a container
// `docker run` made, or renamed, a moment ago is not in the last one yet.
// An engine's container that is known but has no cgroup (created or exited: Docker lists them
// with all=1) is said as such, not as "no such container".
DiscoveredLookup discoveredIn(std::shared_ptr<LatestSnapshot> snapshots,
                              std::shared_ptr<const collectors::engines::EngineDirectory> engines);

// What the reconciler may match policies against besides the agent's own containers: other
// runtimes' containers (by their names and, for engines' containers, labels), and every other
// cgroup (by path only).
DiscoveredList discoveredListIn(std::shared_ptr<LatestSnapshot> snapshots);

}  // namespace agent
