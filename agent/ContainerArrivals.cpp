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
    std::set<std::string> now;
    for (const auto& s : snapshot.cgroups) {
      auto runtime = s.classification.runtime;
      if (runtime != collectors::Runtime::Agent && collectors::isContainerRuntime(runtime)) now.insert(s.path);
    }
    if (*seen && std::any_of(now.begin(), now.end(), [&](const std::string& p) { return !(*seen)->count(p); }))
      arrived();
    *seen = std::move(now);
  };
}

}  // namespace agent
