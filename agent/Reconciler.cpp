#include "Reconciler.h"

#include <spdlog/spdlog.h>

namespace agent {

namespace {
// The hierarchies whose files hold the limits: a group another runtime made need not exist
// in the others (freezer, blkio...).
cgroup::ControllerSet limitControllers() {
  return cgroup::ControllerSet{cgroup::Controller::Cpu, cgroup::Controller::Memory, cgroup::Controller::Pids};
}
}  // namespace

Reconciler::Reconciler(container::ContainerRuntime& runtime, const cgroup::Hierarchy& hierarchy,
                       policies::OverrideStore& overrides, EnforcementMetrics& metrics, Options options)
    : runtime_(runtime), hierarchy_(hierarchy), overrides_(overrides), metrics_(metrics), options_(options) {}

Reconciler::~Reconciler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Reconciler::start() {
  reconcileAll(false);
  thread_ = std::thread([this] { run(); });
}

void Reconciler::run() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) return;
    }
    reconcileAll(true);
  }
}

Result<LimitTarget> Reconciler::resolve(const std::string& ref, const DiscoveredLookup& discovered) const {
  auto info = runtime_.inspect(ref);
  if (info) {
    if (info->status.state == container::ContainerState::Stopped) {
      return logicError("limit (the container is stopped; limits apply to a running or paused one)", ref, EBUSY);
    }
    return LimitTarget{info->config.spec.id, info->config.name, info->config.cgroupPath, true};
  }
  if (info.error().errnum != ENOENT) return tl::unexpected(info.error());
  if (!ref.empty() && ref.front() == '/') {
    if (auto valid = cgroup::validateCgroupPath(ref); !valid) return tl::unexpected(valid.error());
    auto group = cgroup::Cgroup::open(hierarchy_, ref, limitControllers());
    if (!group) return logicError("limit (no such cgroup)", ref, ENOENT);
    return LimitTarget{ref, ref, ref, false};
  }
  if (discovered) {
    if (auto found = discovered(ref)) return *found;
  }
  return logicError(
      "limit (no such container: agent containers go by id, id prefix or name, others by id, name or cgroup path)", ref,
      ENOENT);
}

Result<cgroup::Cgroup> Reconciler::groupOf(const LimitTarget& target) const {
  return cgroup::Cgroup::open(hierarchy_, target.cgroupPath, limitControllers());
}

Result<std::vector<policies::Change>> Reconciler::apply(const LimitTarget& target, const policies::LimitSet& desired,
                                                        const std::string& source) {
  std::lock_guard pass(passMutex_);
  auto group = groupOf(target);
  if (!group) return tl::unexpected(group.error());
  auto changes = policies::enforce(*group, desired, options_.enforce);
  if (!changes) return changes;
  for (const auto& c : *changes) {
    if (c.written) metrics_.enforced(source, std::string(policies::resourceName(c.resource)));
  }
  return changes;
}

void Reconciler::reconcileAll(bool periodic) {
  std::lock_guard pass(passMutex_);
  for (const auto& [key, desired] : overrides_.all()) {
    LimitTarget target{key, key, key, false};
    if (key.front() != '/') {  // an agent container's id
      auto info = runtime_.inspect(key);
      if (!info) {
        // Removed: its override goes with it.
        if (info.error().errnum == ENOENT) (void)overrides_.erase(key);
        continue;
      }
      if (info->status.state == container::ContainerState::Stopped) continue;
      target = {key, info->config.name, info->config.cgroupPath, true};
    }
    auto group = groupOf(target);
    if (!group) continue;  // another runtime's container that is gone (it may come back)
    auto changes = policies::enforce(*group, desired, options_.enforce);
    if (!changes) continue;
    for (const auto& c : *changes) {
      std::string resource(policies::resourceName(c.resource));
      if (c.written) {
        metrics_.enforced("override", resource);
        if (periodic) metrics_.driftCorrected(resource);
        spdlog::info("msg=\"limit {}\" container={} resource={} from={} to={}",
                     periodic ? "drifted, put back" : "enforced", target.name, resource, c.before, c.after);
      } else if (!c.error.empty()) {
        spdlog::warn("msg=\"limit not enforced\" container={} resource={} error=\"{}\"", target.name, resource,
                     c.error);
      } else if (!options_.enforce && c.before != c.after) {
        spdlog::info("msg=\"limit would change (enforce: false)\" container={} resource={} from={} to={}", target.name,
                     resource, c.before, c.after);
      }
    }
  }
}

}  // namespace agent
