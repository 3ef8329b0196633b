#pragma once
// Builds a Snapshot: walks every cgroup (runtime/cgroup), classifies each, and for the ones
// it exports reads usage and limits through a kept cgroup handle (control files stay open
// between cycles), the processes, their namespaces and their network counters
// (runtime/proc, runtime/ns). Never writes anything.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "BlockDevices.h"
#include "Cgroup.h"
#include "CgroupInventory.h"
#include "EngineContainer.h"
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
  // The inventory follows mkdir/rmdir through inotify (CgroupInventory). Where it cannot
  // (out of inotify watches), it walks every `inventoryEvery` cycles, and the agent's own new
  // containers join in between at once.
  size_t inventoryEvery = 5;
  // A group whose CPU time did not move since its last full read is not read again until
  // `idleRefreshEvery` cycles have passed: nothing in it ran, so its memory, pids, io and
  // processes barely change. Its CPU time (one file) is read every cycle, so it is fresh the
  // moment anything runs. cAdvisor backs off idle containers the same way ("dynamic
  // housekeeping", up to 60 s). 1 reads everything every cycle.
  size_t idleRefreshEvery = 10;
  // Limits change only when someone writes them, which the inventory's watches report (the
  // group is then read in full at once, limits and freezer included). Without watches they
  // are re-read on a full read at most every `limitsEvery` cycles.
  size_t limitsEvery = 5;
};

// The agent's own containers by id, from its state store.
using AgentContainers = std::map<std::string, AgentContainerInfo>;
// The cgroup paths of the agent's standby containers (StandbyPool): prepared, not containers
// yet. Never exported nor counted in agent_cgroups; a path that is also in AgentContainers is
// a container already (a standby becoming one) and is exported.
using StandbyCgroups = std::set<std::string>;

class Collector {
 public:
  Collector(cgroup::Hierarchy hierarchy, CollectorConfig config, std::string procRoot = "/proc",
            std::string sysRoot = "/sys");
  // Not thread-safe: one collector thread calls it.
  // Returned before anyone else sees it, so the caller may still add to it. `engineContainers`
  // (Docker's, podman's, containerd's, as their clients last heard) lend their containers'
  // names, images and labels, and find those a custom cgroup parent hides (EngineJoin.h).
  std::shared_ptr<Snapshot> collect(const AgentContainers& agentContainers, const StandbyCgroups& standby = {},
                                    const engines::EngineContainersPtr& engineContainers = nullptr);
  // The writes the inventory's watches see go to `feed` too (the reconciler reads them).
  void publishWritesTo(std::shared_ptr<cgroup::CgroupWriteFeed> feed) { inventory_.publishTo(std::move(feed)); }

 private:
  struct Handle {
    explicit Handle(cgroup::Cgroup g) : group(std::move(g)) {}
    cgroup::Cgroup group;
    int64_t limitsReadAt = 0;
    int64_t fullReadAt = 0;              // the cycle of the last full read
    int64_t seenAt = -1;                 // the last cycle that looked at it
    std::optional<uint64_t> cpuUsageNs;  // as of seenAt
    bool still = false;                  // its CPU time did not move from seenAt's cycle before
    pid_t namespacesOf = 0;              // the pid the cached namespaces were read from
    bool startRead = false;              // last.startTimeSeconds holds its oldest process's start
    CgroupSample last;                   // as of the last full read
  };
  bool exported(const std::string& path, const Classification& c) const;
  void refreshInventory(const AgentContainers& agentContainers);
  // Reads everything of the group into handle.last; false when the group is gone.
  bool readFully(Handle& handle, bool readLimits, bool hasChildren);
  void sampleProcesses(Handle& handle, bool hasChildren, CgroupSample& sample);
  // The start of the oldest of `pids`, Unix seconds; nothing when none could be read.
  std::optional<double> oldestStart(const std::vector<pid_t>& pids) const;

  cgroup::Hierarchy hierarchy_;
  CollectorConfig config_;
  proc::ProcFs procfs_;
  proc::BlockDevices blockDevices_;
  std::string procRoot_;
  std::optional<proc::BootClock> bootClock_;  // read once: the boot time does not change
  uint64_t ownNetNamespace_ = 0;
  std::map<std::string, Handle> handles_;  // by path, kept while the group exists
  cgroup::CgroupInventory inventory_;
  std::vector<std::string> merged_;  // without inotify: the last walk plus the agent's newer containers
  std::shared_ptr<const std::vector<std::string>> sharedPaths_;  // the last paths handed out, without standby ones
  int64_t cycle_ = 0;
};

}  // namespace agent::collectors
