#include "DiscoveredLookups.h"

#include <set>

#include "Cgroup.h"
#include "Classifier.h"
#include "DiscoveredRef.h"
#include "DiscoveredTarget.h"
#include "MessageText.h"

namespace agent {

DiscoveredLookup discoveredIn(std::shared_ptr<LatestSnapshot> snapshots,
                              std::shared_ptr<const collectors::engines::EngineDirectory> engines,
                              std::function<bool(const std::string& cgroupPath)> groupExists) {
  return [snapshots, engines, groupExists](const std::string& ref) -> Result<std::optional<LimitTarget>> {
    auto snapshot = snapshots->latest();
    if (!snapshot) return std::nullopt;
    auto found = collectors::findDiscovered(*snapshot, ref);
    // Stopped since the snapshot (`docker stop` a moment ago): the fresh one says so.
    bool stale = found.found && groupExists && !groupExists(found.found->path);
    if (stale || (!found.found && found.several.empty())) {
      snapshots->refreshNow();
      snapshot = snapshots->latest();
      found = collectors::findDiscovered(*snapshot, ref);
    }
    if (!found.several.empty()) return userError(collectors::severalText(ref, found.several), EINVAL);
    if (!found.found) {
      if (auto known = engines->current()) {
        for (const auto& [id, c] : *known) {
          if (c.name != ref && id != ref) continue;
          std::string engine(collectors::engines::engineName(c.engine));
          return userError(engine + "'s container " + quotedForMessage(ref) +
                               " is not running (it has no cgroup); agentd limits running containers: start it (" +
                               engine + " start " + c.name + ") and ask again, or set a stopped one's limit with " +
                               engine + " update",
                           EBUSY);
        }
      }
      return std::nullopt;
    }
    return discoveredTarget(*snapshot, *found.found);
  };
}

DiscoveredList discoveredListIn(std::shared_ptr<LatestSnapshot> snapshots) {
  return [snapshots] {
    std::vector<LimitTarget> out;
    auto snapshot = snapshots->latest();
    if (!snapshot) return out;
    std::set<std::string> containers;
    for (const auto& s : snapshot->cgroups) {
      auto runtime = s.classification.runtime;
      if (runtime == collectors::Runtime::Agent || !collectors::isContainerRuntime(runtime)) continue;
      out.push_back(discoveredTarget(*snapshot, s));
      containers.insert(s.path);
    }
    if (snapshot->allPaths) {
      for (const auto& path : *snapshot->allPaths) {
        if (path != "/" && !containers.count(path)) out.push_back(LimitTarget{path, path, path, false, {}, false});
      }
    }
    return out;
  };
}

std::function<bool(const std::string& cgroupPath)> groupExistsIn(const cgroup::Hierarchy& hierarchy) {
  return [&hierarchy](const std::string& cgroupPath) {
    using cgroup::Controller;
    auto group = cgroup::Cgroup::openWherePresent(
        hierarchy, cgroupPath, cgroup::ControllerSet{Controller::Cpu, Controller::Memory, Controller::Pids});
    return group || !group.error().isGone();
  };
}

std::function<std::optional<bool>(const std::string& cgroupPath)> engineHoldsIn(
    std::shared_ptr<const collectors::engines::EngineDirectory> engines, const EnginesConfig& config,
    std::string agentParent) {
  namespace ce = collectors::engines;
  std::set<ce::Engine> asked;
  if (config.docker.use != EngineUse::Off) asked.insert(ce::Engine::Docker);
  if (config.podman.use != EngineUse::Off) asked.insert(ce::Engine::Podman);
  return [engines = std::move(engines), asked = std::move(asked),
          agentParent = std::move(agentParent)](const std::string& cgroupPath) -> std::optional<bool> {
    if (asked.empty()) return std::nullopt;  // nobody will say
    auto known = engines->current();
    if (known->count(std::string(collectors::trailingContainerId(cgroupPath)))) return true;
    // Not listed. Whose it was the path may say (docker-<id>.scope, libpod-<id>); under a
    // --cgroup-parent of the user's own only Docker's list said, and it no longer does.
    auto group = collectors::classify(cgroupPath, agentParent);
    std::set<ce::Engine> owners = asked;
    if (group.runtime == collectors::Runtime::Docker) owners = {ce::Engine::Docker};
    if (group.runtime == collectors::Runtime::Podman) owners = {ce::Engine::Podman};
    if (!asked.count(*owners.begin())) return std::nullopt;  // its engine turned off
    // Gone only when an engine that may own it has listed its containers since agentd
    // started: before that, nothing is known, and what the user set is kept.
    for (ce::Engine engine : owners) {
      if (engines->listed(engine)) return false;
    }
    return true;
  };
}

}  // namespace agent
