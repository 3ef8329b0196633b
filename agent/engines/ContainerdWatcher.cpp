#include "ContainerdWatcher.h"

#include <spdlog/spdlog.h>

namespace agent::engines {

ContainerdWatcher::ContainerdWatcher(ContainerdBundleReader reader, collectors::engines::EngineDirectory& directory)
    : reader_(std::move(reader)), directory_(directory) {}

void ContainerdWatcher::observe(const collectors::Snapshot& snapshot) {
  std::vector<std::string> ids;
  for (const auto& sample : snapshot.cgroups) {
    if (sample.classification.runtime == collectors::Runtime::Containerd) ids.push_back(sample.classification.id);
  }
  observe(ids);
}

void ContainerdWatcher::observe(const std::vector<std::string>& containerdIds) {
  std::set<std::string> seen(containerdIds.begin(), containerdIds.end());
  for (auto it = known_.begin(); it != known_.end();) {
    if (seen.count(*it)) {
      ++it;
      continue;
    }
    directory_.erase(*it);
    it = known_.erase(it);
  }
  std::erase_if(lookedUp_, [&seen](const auto& entry) { return !seen.count(entry.first); });

  for (const auto& id : seen) {
    if (known_.count(id)) continue;
    int& lookups = lookedUp_[id];
    if (lookups >= kLookups) continue;
    ++lookups;
    auto found = reader_.read(id);
    if (!found) {
      // Once per container: the next lookups would say the same.
      if (lookups == 1) spdlog::warn("containerd container {}: {}", id.substr(0, 12), found.error().message());
      continue;
    }
    if (!*found) continue;
    directory_.upsert(**found);
    known_.insert(id);
    lookedUp_.erase(id);
  }
}

}  // namespace agent::engines
