// ContainerRuntime, the part that closes a container's books when it stops: what it used
// (CPU time, peak memory, OOM kills) is read from its cgroup into usage.json, then the cgroup
// goes, as Docker removes a container's cgroups when it exits. A container whose shim was
// killed while it ran is watched through PID 1 instead, so its stop is still recorded.
#include <unistd.h>

#include "ContainerRuntime.h"

namespace agent::container {

namespace {

FinalUsage usageFrom(const cgroup::Stats& stats) {
  FinalUsage usage;
  usage.cpuUsageNs = stats.cpu.usageNs;
  usage.cpuUserNs = stats.cpu.userNs;
  usage.cpuSystemNs = stats.cpu.systemNs;
  usage.memoryMaxUsageBytes = stats.memory.maxUsageBytes;
  usage.memoryFailcnt = stats.memory.failcnt;
  usage.oomKills = stats.memory.oomKills;
  if (!stats.io.empty()) {
    usage.ioReadBytes = usage.ioWriteBytes = 0;
    for (const auto& device : stats.io) {
      *usage.ioReadBytes += device.readBytes.value_or(0);
      *usage.ioWriteBytes += device.writeBytes.value_or(0);
    }
  }
  return usage;
}

}  // namespace

std::optional<FinalUsage> ContainerRuntime::settleStopped(const std::string& id, const ContainerConfig& config) const {
  if (auto usage = store_.readUsage(id); !usage || *usage) return usage ? *usage : std::nullopt;
  std::lock_guard lock(settleMutex_);
  auto usage = store_.readUsage(id);  // settled meanwhile by another caller?
  if (!usage || *usage) return usage ? *usage : std::nullopt;
  // Read before the cgroup goes: the OOM kill count lives only there. A group that exists in
  // some hierarchies only is observed where it is.
  FinalUsage final;
  if (auto group = cgroup::Cgroup::observe(hierarchy_, config.cgroupPath,
                                           hierarchy_.available(cgroup::containerControllers()))) {
    cgroup::Stats stats;
    if (group->readStats(stats)) final = usageFrom(stats);
  }
  final.readAtUnixMs = nowUnixMs();
  // Recorded first: a crash between the two leaves a cgroup that re-adoption removes, never
  // a removed cgroup whose OOM kills nobody wrote down.
  if (!store_.writeUsage(id, final)) return std::nullopt;                   // removed meanwhile
  auto quiet = pool_ ? pool_->activity() : StandbyPool::Activity(nullptr);  // a cgroup change (see StandbyPool.h)
  (void)discardCgroup(config.cgroupPath);
  ++generation_;
  return final;
}

Result<void> ContainerRuntime::discardCgroup(const std::string& path) const {
  auto controllers = hierarchy_.available(cgroup::containerControllers());
  auto whole = cgroup::Cgroup::open(hierarchy_, path, controllers, cgroup::controllersOlderContainersLack());
  if (whole) {
    // Nothing of a stopped container runs; what is left (an exec's helper on its way out)
    // must not keep the group.
    if (auto killed = whole->killAll(); !killed && !killed.error().isGone()) return killed;
    auto removed = whole->remove();
    return removed || removed.error().isGone() ? Result<void>() : removed;
  }
  if (!whole.error().isGone()) return tl::unexpected(whole.error());
  // In some hierarchies only (a removal cut short): each one alone.
  Result<void> result;
  controllers.forEach([&](cgroup::Controller c) {
    auto one = cgroup::Cgroup::open(hierarchy_, path, {c});
    if (!one) return;
    (void)one->killAll();
    if (auto removed = one->remove(); !removed && !removed.error().isGone() && result) result = removed;
  });
  if (const auto* unified = hierarchy_.unifiedMount()) {
    // The unified tree of a hybrid host serves none of the controllers above.
    std::string dir = unified->mountPoint + path;
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT && result) result = systemError("remove cgroup", dir);
  }
  return result;
}

std::optional<ShimLoss> ContainerRuntime::adoptOrphan(const std::string& id) const {
  auto pid = store_.readPid(id);
  if (!pid || !*pid) return std::nullopt;
  if (auto exit = store_.readExit(id); !exit || *exit) return std::nullopt;
  if (!exits_.watchPid1(id, **pid, proc::ProcFs())) return std::nullopt;  // PID 1 ended too
  return ShimLoss{id, (*pid)->shimPid, (*pid)->pid};
}

}  // namespace agent::container
