#pragma once
// Keeps the EngineDirectory's containerd entries in step with the cgroups the collector
// classified as containerd's, without polling containerd: a new id is looked up in its task
// bundle when a collection first shows it (ContainerdBundleReader), an id no collection shows
// any more is erased. CRI's annotations never change while a task lives, so one read per
// container is all it takes. Called from the collection thread after each cycle, so the names
// reach /metrics one collection after the cgroup appears.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ContainerdBundleReader.h"
#include "EngineDirectory.h"
#include "Snapshot.h"

namespace agent::engines {

class ContainerdWatcher {
 public:
  ContainerdWatcher(ContainerdBundleReader reader, collectors::engines::EngineDirectory& directory);

  // The containerd-classified containers of one collection.
  void observe(const collectors::Snapshot& snapshot);
  // The same, given their ids.
  void observe(const std::vector<std::string>& containerdIds);

  // A bundle not there yet (the cgroup can appear a moment before the task's files) is looked
  // for again on this many collections, then left alone until the id goes.
  static constexpr int kLookups = 3;

 private:
  ContainerdBundleReader reader_;
  collectors::engines::EngineDirectory& directory_;
  std::set<std::string> known_;          // upserted into the directory
  std::map<std::string, int> lookedUp_;  // not found yet: lookups so far
};

}  // namespace agent::engines
