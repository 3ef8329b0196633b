#include "Collector.h"

#include <fnmatch.h>
#include <unistd.h>

#include <chrono>

#include "CgroupWalk.h"

namespace agent::collectors {

namespace {

int64_t nowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t netNamespaceOf(const std::vector<ns::NamespaceId>& namespaces) {
  for (const auto& n : namespaces)
    if (n.type == "net") return n.inode;
  return 0;
}

// The controllers a sample reads: every one the stats and limits come from.
cgroup::ControllerSet sampledControllers() {
  using cgroup::Controller;
  return cgroup::ControllerSet{Controller::Cpu,  Controller::Cpuacct, Controller::Memory,
                               Controller::Pids, Controller::Io,      Controller::Freezer};
}

}  // namespace

Collector::Collector(cgroup::Hierarchy hierarchy, CollectorConfig config, std::string procRoot)
    : hierarchy_(std::move(hierarchy)), config_(std::move(config)), procfs_(procRoot), procRoot_(std::move(procRoot)) {
  if (auto own = ns::readNamespaces(procRoot_, ::getpid())) ownNetNamespace_ = netNamespaceOf(*own);
}

bool Collector::exported(const std::string& path, const Classification& c) const {
  if (c.runtime == Runtime::Root) return true;
  for (const auto& glob : config_.ignoreGlobs) {
    if (::fnmatch(glob.c_str(), path.c_str(), 0) == 0) return false;
  }
  return config_.exportMode == ExportMode::All || isContainerRuntime(c.runtime);
}

void Collector::sampleProcesses(const cgroup::Cgroup& group, CgroupSample& sample) {
  auto pids = group.pidsRecursive();
  if (!pids) return;
  sample.processes = pids->size();
  // Any process of the group tells its namespaces; the first that can still be read.
  for (pid_t pid : *pids) {
    auto namespaces = ns::readNamespaces(procRoot_, pid);
    if (!namespaces) continue;
    sample.namespaces = std::move(*namespaces);
    uint64_t net = netNamespaceOf(sample.namespaces);
    // The host's network (or --net host) is not the container's own: cAdvisor reports none.
    if (net != 0 && net != ownNetNamespace_ && sample.classification.runtime != Runtime::Root) {
      if (auto devices = procfs_.readNetDev(pid)) sample.network = std::move(*devices);
    }
    break;
  }
}

std::shared_ptr<Snapshot> Collector::collect(const AgentContainers& agentContainers) {
  auto started = std::chrono::steady_clock::now();
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->takenAtUnixMs = nowUnixMs();
  snapshot->cgroupMode = std::string(cgroup::modeName(hierarchy_.mode()));
  long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  snapshot->machineCpuCores = cores > 0 ? static_cast<uint32_t>(cores) : 0;
  snapshot->machineMemoryBytes =
      static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));

  auto listing = cgroup::listCgroups(hierarchy_, config_.maxDepth);
  if (!listing) return snapshot;
  snapshot->cgroupsOnHost = listing->paths.size();
  snapshot->cgroupsCutAtDepth = listing->cutAtDepth;

  std::map<std::string, cgroup::Cgroup> kept;
  for (const auto& path : listing->paths) {
    Classification c = classify(path, config_.agentParent);
    if (!exported(path, c)) continue;
    auto handle = handles_.find(path);
    if (handle == handles_.end()) {
      auto opened = cgroup::Cgroup::observe(hierarchy_, path, hierarchy_.available(sampledControllers()));
      if (!opened) continue;  // gone since the walk
      opened->keepControlFilesOpen();
      handle = handles_.emplace(path, std::move(*opened)).first;
    }
    const cgroup::Cgroup& group = handle->second;
    CgroupSample sample;
    sample.path = path;
    sample.classification = c;
    sample.name = c.name;
    // Files an observed group lacks are left empty; a group removed since the walk is skipped.
    (void)group.readStats(sample.stats);
    if (!group.exists()) continue;
    if (auto limits = group.readLimits()) sample.limits = *limits;
    if (auto freezer = group.freezerStatus()) sample.freezer = freezer->state;
    // The root's processes are every process of the host: not walked each cycle.
    if (c.runtime != Runtime::Root) sampleProcesses(group, sample);
    if (auto created = group.createdAtSeconds()) sample.startTimeSeconds = *created;
    if (c.runtime == Runtime::Agent) {
      if (auto known = agentContainers.find(c.id); known != agentContainers.end()) {
        sample.name = known->second.name;
        sample.image = known->second.image;
        sample.labels = known->second.labels;
        sample.agentState = known->second.state;
        if (known->second.createdAtUnixMs > 0) sample.startTimeSeconds = known->second.createdAtUnixMs / 1000.0;
      }
    }
    snapshot->cgroups.push_back(std::move(sample));
    kept.insert(handles_.extract(handle));
  }
  handles_ = std::move(kept);  // groups that are gone (or no longer exported) close here
  snapshot->collectionSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return snapshot;
}

}  // namespace agent::collectors
