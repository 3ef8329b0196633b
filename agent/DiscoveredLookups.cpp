#include "DiscoveredLookups.h"

#include <set>

#include "DiscoveredRef.h"
#include "DiscoveredTarget.h"
#include "MessageText.h"

namespace agent {

DiscoveredLookup discoveredIn(std::shared_ptr<LatestSnapshot> snapshots,
                              std::shared_ptr<const collectors::engines::EngineDirectory> engines) {
  return [snapshots, engines](const std::string& ref) -> Result<std::optional<LimitTarget>> {
    auto snapshot = snapshots->latest();
    if (!snapshot) return std::nullopt;
    auto found = collectors::findDiscovered(*snapshot, ref);
    if (!found.found && found.several.empty()) {
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

}  // namespace agent
