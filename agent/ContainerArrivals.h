#pragma once
// Another runtime's container appearing between two collections (Docker's `docker run`, a
// pod's container): the reconciler is asked for a pass then, so the policies that match it
// are made true at once rather than at the next periodic pass.
#include <functional>

#include "Snapshot.h"

namespace agent {

// An observer of each collection's snapshot (CollectionLoop::observeEngines) that calls
// `arrived` when a snapshot holds an engine's container (by cgroup path) the previous one did
// not. The first snapshot only sets what is known: the start pass covers it.
std::function<void(const collectors::Snapshot&)> whenContainersArrive(std::function<void()> arrived);

}  // namespace agent
