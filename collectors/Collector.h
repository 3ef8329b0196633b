#pragma once
// Builds a Snapshot: walks every cgroup (runtime/cgroup), classifies each, and for the ones
// it exports reads usage and limits through a kept cgroup handle (control files stay open
// between cycles), the processes, their namespaces and their network counters
// (runtime/proc, runtime/ns). Never writes anything.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "Cgroup.h"
#include "Hierarchy.h"
#include "ProcFs.h"
#include "Snapshot.h"

namespace agent::collectors {

enum class ExportMode { Containers, All };

struct CollectorConfig {
  std::string agentParent = "/agent";
  ExportMode exportMode = ExportMode::Containers;
  size_t maxDepth = 32;
  std::vector<std::string> ignoreGlobs;  // fnmatch(3) on the cgroup path; "/" is never ignored
};

// The agent's own containers by id, from its state store.
using AgentContainers = std::map<std::string, AgentContainerInfo>;

class Collector {
 public:
  Collector(cgroup::Hierarchy hierarchy, CollectorConfig config, std::string procRoot = "/proc");
  // Not thread-safe: one collector thread calls it.
  // Returned before anyone else sees it, so the caller may still add to it.
  std::shared_ptr<Snapshot> collect(const AgentContainers& agentContainers);

 private:
  bool exported(const std::string& path, const Classification& c) const;
  void sampleProcesses(const cgroup::Cgroup& group, CgroupSample& sample);

  cgroup::Hierarchy hierarchy_;
  CollectorConfig config_;
  proc::ProcFs procfs_;
  std::string procRoot_;
  uint64_t ownNetNamespace_ = 0;
  std::map<std::string, cgroup::Cgroup> handles_;  // by path, kept while the group exists
};

}  // namespace agent::collectors
