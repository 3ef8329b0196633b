#pragma once
// What limits act on: an agent container, another runtime's container, or a plain cgroup,
// and the facts policies are matched against. The same target, however it was named
// (id, name or cgroup path), so `policy explain` and the reconciler decide alike.
#include <map>
#include <string>

#include "Policy.h"

namespace agent::policies {

struct LimitTarget {
  std::string key;  // the override's key: the agent container's id, or a cgroup path
  std::string name;
  std::string cgroupPath;
  bool agent = false;
  std::map<std::string, std::string> labels;  // agent containers' labels; an engine's containers' labels
  bool container = true;                      // false: a plain cgroup, matched by `cgroups:` only
  // An engine's container (Docker's, podman's): the engine ("docker", "podman") and its full
  // id there, so limits can go through the engine's API; both "" for other targets.
  std::string engine{};
  std::string engineId{};

  ContainerFacts facts() const { return {name, labels, cgroupPath, container}; }
};

}  // namespace agent::policies
