#include "ContainerArrivals.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace agent {

std::function<void(const collectors::Snapshot&)> whenContainersArrive(std::function<void()> arrived) {
  auto seen = std::make_shared<std::optional<std::set<std::string>>>();
  return [seen, arrived = std::move(arrived)](const collectors::Snapshot& snapshot) {
    // A group, and whether its engine has told its name and labels yet: the engine learns of a
    // container (an event, then an inspect) after its group appears, sometimes a collection
    // later, and a pass that ran before then matched no policy by label (CI saw it once). The
    // group counts as arrived again once its engine knows it.
    std::set<std::string> now;
    for (const auto& s : snapshot.cgroups) {
      auto runtime = s.classification.runtime;
      if (runtime != collectors::Runtime::Agent && collectors::isContainerRuntime(runtime))
        now.insert(s.path + (s.image.empty() && s.labels.empty() ? "" : "\n(known)"));
    }
    if (*seen && std::any_of(now.begin(), now.end(), [&](const std::string& p) { return !(*seen)->count(p); }))
      arrived();
    *seen = std::move(now);
  };
}

}  // namespace agent
