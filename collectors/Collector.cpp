#include "Collector.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "CgroupWalk.h"
#include "UnixTime.h"

namespace agent::collectors {

namespace {

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

void Collector::sampleProcesses(Handle& handle, bool hasChildren, CgroupSample& sample) {
  // Below a container are rarely more groups; the inventory says whether to walk them.
  auto pids = hasChildren ? handle.group.pidsRecursive() : handle.group.pids();
  if (!pids || pids->empty()) return;
  sample.processes = pids->size();
  // A process's namespaces change only by setns/unshare: read once per first process.
  pid_t first = pids->front();
  if (first != handle.namespacesOf) {
    handle.namespaces.clear();
    handle.namespacesOf = 0;
    for (pid_t pid : *pids) {
      if (auto namespaces = ns::readNamespaces(procRoot_, pid)) {
        handle.namespaces = std::move(*namespaces);
        handle.namespacesOf = first;
        break;
      }
    }
  }
  sample.namespaces = handle.namespaces;
  uint64_t net = netNamespaceOf(sample.namespaces);
  // The host's network (or --net host) is not the container's own: cAdvisor reports none.
  if (net != 0 && net != ownNetNamespace_ && sample.classification.runtime != Runtime::Root) {
    for (pid_t pid : *pids) {
      if (auto devices = procfs_.readNetDev(pid)) {
        sample.network = std::move(*devices);
        break;
      }
    }
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

  auto controllers = hierarchy_.available(sampledControllers());
  if (cycle_ % std::max<size_t>(config_.inventoryEvery, 1) == 0 || inventory_.empty()) {
    auto listing = cgroup::listCgroups(hierarchy_, config_.maxDepth, controllers);
    if (!listing) return snapshot;
    inventory_ = std::move(listing->paths);
    cutAtDepth_ = listing->cutAtDepth;
  } else {
    // Between walks: the agent's own new containers join at once (it knows them).
    std::string parent = config_.agentParent;
    while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
    bool added = false;
    for (const auto& [id, info] : agentContainers) {
      std::string path = parent + "/" + id;
      if (!std::binary_search(inventory_.begin() + 1, inventory_.end(), path)) {
        inventory_.push_back(path);
        added = true;
      }
    }
    if (added) std::sort(inventory_.begin() + 1, inventory_.end());  // "/" stays first
  }
  ++cycle_;
  snapshot->cgroupsOnHost = inventory_.size();
  snapshot->cgroupsCutAtDepth = cutAtDepth_;

  std::map<std::string, Handle> kept;
  for (size_t index = 0; index < inventory_.size(); ++index) {
    const std::string& path = inventory_[index];
    Classification c = classify(path, config_.agentParent);
    if (!exported(path, c)) continue;
    auto found = handles_.find(path);
    bool fresh = found == handles_.end();
    if (fresh) {
      auto opened = cgroup::Cgroup::observe(hierarchy_, path, controllers);
      if (!opened) continue;  // gone since the walk
      opened->keepControlFilesOpen();
      found = handles_.emplace(path, Handle{std::move(*opened), {}, 0, 0, 0, {}}).first;
    }
    Handle& handle = found->second;
    const cgroup::Cgroup& group = handle.group;
    CgroupSample sample;
    sample.path = path;
    sample.classification = c;
    sample.name = c.name;
    // Files an observed group lacks are left empty; a group removed since the walk is skipped.
    (void)group.readStats(sample.stats);
    if (!group.exists()) continue;
    if (fresh || cycle_ - handle.limitsReadAt >= std::max<size_t>(config_.limitsEvery, 1)) {
      if (auto limits = group.readLimits()) handle.limits = *limits;
      handle.limitsReadAt = cycle_;
    }
    sample.limits = handle.limits;
    if (auto freezer = group.freezerStatus()) sample.freezer = freezer->state;
    // The root's processes are every process of the host: not walked each cycle.
    if (c.runtime != Runtime::Root) {
      bool hasChildren = index + 1 < inventory_.size() && inventory_[index + 1].size() > path.size() &&
                         inventory_[index + 1].compare(0, path.size() + 1, path + "/") == 0;
      sampleProcesses(handle, hasChildren, sample);
    }
    if (fresh) {  // a group's creation time never changes: one fstat per handle
      if (auto created = group.createdAtSeconds()) handle.createdAtSeconds = *created;
    }
    sample.startTimeSeconds = handle.createdAtSeconds;
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
    kept.insert(handles_.extract(found));
  }
  handles_ = std::move(kept);  // groups that are gone (or no longer exported) close here
  snapshot->collectionSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return snapshot;
}

}  // namespace agent::collectors
