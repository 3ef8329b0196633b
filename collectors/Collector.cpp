#include "Collector.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iterator>

#include "EngineJoin.h"
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

// Whether `kept` is `all` without `dropped` (all sorted), found without building it: the paths
// change rarely, and copying a thousand of them every cycle to compare would cost more.
bool isWithout(const std::vector<std::string>& kept, const std::vector<std::string>& all,
               const std::vector<std::string>& dropped) {
  if (kept.size() + dropped.size() != all.size()) return false;
  size_t k = 0, d = 0;
  for (const auto& path : all) {
    if (d < dropped.size() && dropped[d] == path) {
      ++d;
      continue;
    }
    if (kept[k++] != path) return false;
  }
  return d == dropped.size();
}

}  // namespace

Collector::Collector(cgroup::Hierarchy hierarchy, CollectorConfig config, std::string procRoot, std::string sysRoot)
    : hierarchy_(std::move(hierarchy)),
      config_(std::move(config)),
      procfs_(procRoot),
      blockDevices_(std::move(sysRoot)),
      procRoot_(std::move(procRoot)),
      inventory_(hierarchy_, hierarchy_.available(sampledControllers()), config_.maxDepth) {
  if (auto own = ns::readNamespaces(procRoot_, ::getpid())) ownNetNamespace_ = netNamespaceOf(*own);
  if (auto btime = procfs_.readBootTimeSeconds()) bootClock_ = proc::BootClock{*btime, ::sysconf(_SC_CLK_TCK)};
}

std::optional<double> Collector::oldestStart(const std::vector<pid_t>& pids) const {
  if (!bootClock_) return std::nullopt;
  std::optional<uint64_t> oldest;
  for (pid_t pid : pids) {
    // A process that exited meanwhile is skipped.
    if (auto stat = procfs_.readStat(pid)) oldest = std::min(oldest.value_or(UINT64_MAX), stat->startTimeTicks);
  }
  if (!oldest) return std::nullopt;
  return bootClock_->unixSecondsOf(*oldest);
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
  sample.processes = 0;
  sample.network.clear();
  if (!pids || pids->empty()) return;
  sample.processes = pids->size();
  // The group's start: its oldest process's, read once. The directory's times are no
  // creation time (kernfs sets them when the inode is first looked up, so a group made before
  // agentd started would start at agentd's first walk). The value is kept while the group
  // exists, also once that process has exited (docs/metrics.md).
  if (!handle.startRead) {
    if (auto start = oldestStart(*pids)) {
      sample.startTimeSeconds = *start;
      handle.startRead = true;
    }
  }
  // A process's namespaces change only by setns/unshare: read once per first process.
  pid_t first = pids->front();
  if (first != handle.namespacesOf) {
    sample.namespaces.clear();
    handle.namespacesOf = 0;
    for (pid_t pid : *pids) {
      if (auto namespaces = ns::readNamespaces(procRoot_, pid)) {
        sample.namespaces = std::move(*namespaces);
        handle.namespacesOf = first;
        break;
      }
    }
  }
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

bool Collector::readFully(Handle& handle, bool readLimits, bool hasChildren) {
  const cgroup::Cgroup& group = handle.group;
  CgroupSample& sample = handle.last;
  // Files an observed group lacks are left empty; a group removed since is skipped.
  (void)group.readStats(sample.stats);
  if (!group.exists()) return false;
  if (sample.stats.cpu.usageNs) handle.cpuUsageNs = sample.stats.cpu.usageNs;
  if (readLimits) {
    if (auto limits = group.readLimits()) sample.limits = *limits;
    handle.limitsReadAt = cycle_;
  }
  if (auto freezer = group.freezerState())
    sample.freezer = *freezer;
  else
    sample.freezer.reset();
  // The root's processes are every process of the host: not listed each cycle.
  if (sample.classification.runtime != Runtime::Root) sampleProcesses(handle, hasChildren, sample);
  return true;
}

void Collector::refreshInventory(const AgentContainers& agentContainers) {
  bool watching = inventory_.watching();
  if (watching || cycle_ % static_cast<int64_t>(std::max<size_t>(config_.inventoryEvery, 1)) == 0 || merged_.empty()) {
    (void)inventory_.refresh();  // on failure the previous paths stay
    if (!inventory_.watching()) merged_ = inventory_.paths();
  }
  if (inventory_.watching()) return;
  // Between walks: the agent's own new containers join at once (it knows them).
  std::string parent = config_.agentParent;
  while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
  bool added = false;
  for (const auto& [id, info] : agentContainers) {
    std::string path = parent + "/" + id;
    if (!std::binary_search(merged_.begin() + 1, merged_.end(), path)) {
      merged_.push_back(path);
      added = true;
    }
  }
  if (added) std::sort(merged_.begin() + 1, merged_.end());  // "/" stays first
}

std::shared_ptr<Snapshot> Collector::collect(const AgentContainers& agentContainers, const StandbyCgroups& standby,
                                             const engines::EngineContainersPtr& engineContainers) {
  static const engines::EngineContainers kNoEngineContainers;
  const engines::EngineContainers& engineKnown = engineContainers ? *engineContainers : kNoEngineContainers;
  auto started = std::chrono::steady_clock::now();
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->takenAtUnixMs = nowUnixMs();
  snapshot->cgroupMode = std::string(cgroup::modeName(hierarchy_.mode()));
  snapshot->engineContainers = engineContainers;
  long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  snapshot->machineCpuCores = cores > 0 ? static_cast<uint32_t>(cores) : 0;
  snapshot->machineMemoryBytes =
      static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));

  auto controllers = hierarchy_.available(sampledControllers());
  refreshInventory(agentContainers);
  const std::vector<std::string>& paths = inventory_.watching() ? inventory_.paths() : merged_;
  ++cycle_;
  // The standby containers' cgroups are the agent's own preparations, not containers: left
  // out of everything a user sees (series, agent_cgroups, the paths policies match). One the
  // runtime already lists is a standby that became a container.
  std::vector<std::string> standbyHere;  // sorted, as `standby` is
  for (const auto& path : standby) {
    Classification c = classify(path, config_.agentParent);
    bool container = c.runtime == Runtime::Agent && agentContainers.count(c.id) > 0;
    if (!container && std::binary_search(paths.begin(), paths.end(), path)) standbyHere.push_back(path);
  }
  snapshot->standbyContainers = standby.size();
  snapshot->cgroupsOnHost = paths.size() - standbyHere.size();
  if (!sharedPaths_ || !isWithout(*sharedPaths_, paths, standbyHere)) {
    std::vector<std::string> visible;
    visible.reserve(paths.size() - standbyHere.size());
    std::set_difference(paths.begin(), paths.end(), standbyHere.begin(), standbyHere.end(),
                        std::back_inserter(visible));
    sharedPaths_ = std::make_shared<const std::vector<std::string>>(std::move(visible));
  }
  const std::vector<std::string>& visible = *sharedPaths_;
  snapshot->allPaths = sharedPaths_;
  snapshot->cgroupsCutAtDepth = inventory_.cutAtDepth();
  size_t refreshEvery = std::max<size_t>(config_.idleRefreshEvery, 1);
  // Groups whose control files were written: a limit, the freezer, a process moved in.
  auto written = inventory_.takeWritten();
  bool watching = inventory_.watching();

  std::map<std::string, Handle> kept;
  snapshot->cgroups.reserve(handles_.size() + 1);
  for (const std::string& path : visible) {
    Classification c = classify(path, config_.agentParent);
    const engines::EngineContainer* engine = engines::joinEngine(path, c, engineKnown);
    bool exports = exported(path, c);
    // Children sort where "/a/" would ("/a-b" may come between "/a" and "/a/b").
    std::string prefix = path == "/" ? path : path + "/";
    auto below = std::lower_bound(paths.begin(), paths.end(), prefix);
    if (below != paths.end() && *below == path) ++below;
    bool hasChildren = below != paths.end() && below->compare(0, prefix.size(), prefix) == 0;
    // A group that is not exported is still followed when it has children: its CPU time
    // tells whether anything below it ran.
    if (!exports && !hasChildren) continue;
    auto found = handles_.find(path);
    bool fresh = found == handles_.end();
    if (fresh) {
      auto opened = cgroup::Cgroup::observe(hierarchy_, path, controllers);
      if (!opened) continue;  // gone since the inventory saw it
      opened->keepCpuUsageFileOpen();
      Handle handle(std::move(*opened));
      handle.last.path = path;
      handle.last.classification = c;
      // Groups seen together (agentd's start) come due for their idle refresh on different
      // cycles, not all on the same one.
      handle.fullReadAt = cycle_ - static_cast<int64_t>(std::hash<std::string>{}(path) % refreshEvery);
      found = handles_.emplace(path, std::move(handle)).first;
    }
    Handle& handle = found->second;

    // Did anything in the group run since the last cycle? CPU time is hierarchical: when the
    // parent's did not move, no descendant's did, and 1000 idle containers under one parent
    // cost one read. Otherwise its own CPU time says.
    handle.still = false;
    if (!fresh && handle.seenAt == cycle_ - 1) {
      const Handle* parent = nullptr;
      if (path != "/") {
        auto it = kept.find(path.substr(0, std::max<size_t>(path.rfind('/'), 1)));
        if (it != kept.end() && it->second.seenAt == cycle_) parent = &it->second;
      }
      if (parent && parent->still) {
        handle.still = true;
      } else {
        auto usage = handle.group.readCpuUsageNs();
        if (!usage && !handle.group.exists()) continue;  // gone
        handle.still = usage && *usage && *usage == handle.cpuUsageNs;
        if (usage) handle.cpuUsageNs = *usage;
      }
    }
    handle.seenAt = cycle_;
    if (exports) {
      const AgentContainerInfo* known = nullptr;
      if (c.runtime == Runtime::Agent) {
        if (auto it = agentContainers.find(c.id); it != agentContainers.end()) known = &it->second;
      }
      // Idle: nothing ran since its last full read, that read is recent enough, and nothing
      // the agent did to it (pause, stop) is waiting to show.
      bool wasWritten = written.all ? watching : std::binary_search(written.paths.begin(), written.paths.end(), path);
      bool idle = handle.still && !wasWritten && cycle_ - handle.fullReadAt < static_cast<int64_t>(refreshEvery) &&
                  (!known || known->state == handle.last.agentState);
      if (!idle) {
        // Limits change only by a write, which the inventory reports; without it, they are
        // read every limitsEvery cycles.
        bool readLimits = fresh || wasWritten ||
                          (!watching && cycle_ - handle.limitsReadAt >=
                                            static_cast<int64_t>(std::max<size_t>(config_.limitsEvery, 1)));
        if (!readFully(handle, readLimits, hasChildren)) continue;
        if (!fresh) handle.fullReadAt = cycle_;
      }
      CgroupSample& last = handle.last;
      // An engine may learn of a container after its group was first seen (EngineJoin.h).
      if (last.classification.runtime != c.runtime) last.classification = c;
      last.name = c.name;
      if (engine) {
        if (!engine->name.empty()) last.name = engine->name;
        last.image = engine->image;
        last.labels = engine->labels;
      } else if (c.runtime != Runtime::Agent) {
        last.image.clear();  // an engine that forgot the container (destroyed, relisted)
        last.labels.clear();
      }
      if (known) {
        last.name = known->name;
        last.image = known->image;
        last.labels = known->labels;
        last.agentState = known->state;
        // Its recorded start (docker inspect's StartedAt); until PID 1 runs, its creation.
        int64_t startedMs = known->startedAtUnixMs > 0 ? known->startedAtUnixMs : known->createdAtUnixMs;
        if (startedMs > 0) last.startTimeSeconds = static_cast<double>(startedMs) / 1000.0;
      }
      for (const auto& io : last.stats.io) {
        const std::string& device = blockDevices_.nameOf(io.major, io.minor);
        if (!device.empty()) snapshot->blockDevices.emplace(std::make_pair(io.major, io.minor), device);
      }
      snapshot->cgroups.push_back(last);
    }
    kept.insert(handles_.extract(found));
  }
  handles_ = std::move(kept);  // groups that are gone (or no longer exported) close here
  snapshot->collectionSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return snapshot;
}

}  // namespace agent::collectors
