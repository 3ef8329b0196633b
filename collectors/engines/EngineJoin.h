#pragma once
// Which engine container a cgroup is, when an engine knows its id. The path alone
// (Classifier.h) finds Docker's containers under /docker and docker-<id>.scope; an engine
// started with another cgroup parent (dockerd --cgroup-parent /x, docker run --cgroup-parent,
// cgroupfs driver) puts them at /x/<64 hex>, which only the engine's own list tells apart from
// any other group. cAdvisor's Docker handler asks Docker the same question for every group
// whose name is a container id.
#include <string_view>

#include "Classifier.h"
#include "EngineContainer.h"

namespace agent::collectors::engines {

// The Runtime the collector classifies `engine`'s containers as.
Runtime runtimeOf(Engine engine);

// The engine's record of the container at `path`, or nullptr. A group the path classified as
// Docker, Podman or Containerd is looked up by its id; an `Other` group whose last component
// is a full container id (bare, or wrapped as <engine>-<id>.scope) too, and when found its
// classification becomes the engine's (id, short-id name). Agent, root, lxc and systemd groups
// are never engine containers.
const EngineContainer* joinEngine(std::string_view path, Classification& c, const EngineContainers& known);

}  // namespace agent::collectors::engines
