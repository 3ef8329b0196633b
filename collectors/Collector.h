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
  // The walk of every hierarchy is the costliest step (kernfs lists ~30 control files per
  // directory): it runs every `inventoryEvery` cycles; in between, known groups are read and
  // the agent's own new containers are added at once. Limits change rarely (and through the
  // agent): re-read every `limitsEvery` cycles.
  size_t inventoryEvery = 5;
  size_t limitsEvery = 5;
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
  struct Handle {
    cgroup::Cgroup group;
    cgroup::Limits limits;
    size_t limitsReadAt = 0;
    double createdAtSeconds = 0;
    pid_t namespacesOf = 0;  // the pid the cached namespaces were read from
    std::vector<ns::NamespaceId> namespaces;
  };
  bool exported(const std::string& path, const Classification& c) const;
  void sampleProcesses(Handle& handle, bool hasChildren, CgroupSample& sample);

  cgroup::Hierarchy hierarchy_;
  CollectorConfig config_;
  proc::ProcFs procfs_;
  std::string procRoot_;
  uint64_t ownNetNamespace_ = 0;
  std::map<std::string, Handle> handles_;  // by path, kept while the group exists
  std::vector<std::string> inventory_;     // the last walk's paths
  size_t cutAtDepth_ = 0;
  size_t cycle_ = 0;
};

}  // namespace agent::collectors
