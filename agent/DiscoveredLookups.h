#pragma once
// The reconciler's view of containers agentd did not start (Reconciler.h's DiscoveredLookup
// and DiscoveredList), read from the collector's latest snapshot and the engines' directory.
#include <memory>

#include "EngineDirectory.h"
#include "EnginesConfig.h"
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
// A container found whose group `groupExists` says is gone (stopped since the snapshot) is
// looked up again in a snapshot taken now, too.
DiscoveredLookup discoveredIn(std::shared_ptr<LatestSnapshot> snapshots,
                              std::shared_ptr<const collectors::engines::EngineDirectory> engines,
                              std::function<bool(const std::string& cgroupPath)> groupExists = {});

// What the reconciler may match policies against besides the agent's own containers: other
// runtimes' containers (by their names and, for engines' containers, labels), and every other
// cgroup (by path only).
DiscoveredList discoveredListIn(std::shared_ptr<LatestSnapshot> snapshots);

// Whether a group has a directory in any of the cpu, memory and pids hierarchies (an error
// other than "gone" counts as existing: the write that follows will say it).
std::function<bool(const std::string& cgroupPath)> groupExistsIn(const cgroup::Hierarchy& hierarchy);

// Reconciler::Options::engineHolds from the engines' directory, for a group named by a full
// container id: held while an engine lists that id (a stopped Docker container included);
// not held once an engine that may own it (Docker for docker-<id>.scope, podman for libpod-,
// any asked one for a group under a --cgroup-parent) has listed its containers without it;
// held until then (nothing is known yet). nullopt when `config` turns its engine off: the
// cgroup decides, as for containerd's when no engine is asked. `agentParent` is the agent's
// cgroup_parent, as Classifier's classify() takes it.
std::function<std::optional<bool>(const std::string& cgroupPath)> engineHoldsIn(
    std::shared_ptr<const collectors::engines::EngineDirectory> engines, const EnginesConfig& config,
    std::string agentParent);

}  // namespace agent
