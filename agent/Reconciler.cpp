#include "Reconciler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "Classifier.h"
#include "EngineLimitFiles.h"
#include "RunRequestValidation.h"

namespace agent {

namespace {
// Every this many passes (a minute at the default interval) every tracked group is read,
// whatever the watches said.
constexpr uint64_t kVerifyEvery = 12;
// The hierarchies whose files hold the limits: a group another runtime made need not exist
// in the others (freezer, blkio...).
cgroup::ControllerSet limitControllers() {
  return cgroup::ControllerSet{cgroup::Controller::Cpu, cgroup::Controller::Memory, cgroup::Controller::Pids};
}
}  // namespace

Reconciler::Reconciler(container::ContainerRuntime& runtime, const cgroup::Hierarchy& hierarchy,
                       policies::OverrideStore& overrides, PolicyStore& policies, EnforcementMetrics& metrics,
                       Options options, DiscoveredList discovered)
    : runtime_(runtime),
      hierarchy_(hierarchy),
      overrides_(overrides),
      policies_(policies),
      metrics_(metrics),
      options_(options),
      discovered_(std::move(discovered)) {
  if (options_.writes) writesReader_ = options_.writes->join();
}

Reconciler::~Reconciler() = default;

void Reconciler::start() {
  reconcileAll(false);
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Reconciler::run(std::stop_token stop) {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, options_.interval, [this] { return soon_; });
      if (stop.stop_requested()) return;
      soon_ = false;
    }
    reconcileAll(true);
  }
}

void Reconciler::passSoon() {
  {
    std::lock_guard lock(mutex_);
    soon_ = true;
  }
  wake_.notify_all();
}

Result<LimitTarget> Reconciler::resolve(const std::string& ref, const DiscoveredLookup& discovered) const {
  auto agentTarget = [](const container::ContainerInfo& info) {
    return LimitTarget{info.config.spec.id, info.config.name, info.config.cgroupPath, true, info.config.labels, true};
  };
  auto stopped = [&ref]() {
    return userError("container " + quotedForMessage(ref) +
                         " is stopped; limits apply to a running or paused one (start a new one with agentctl run)",
                     EBUSY);
  };
  if (ref.empty() || ref.front() != '/') {
    auto info = runtime_.inspect(ref);
    if (info) {
      if (info->status.state == container::ContainerState::Stopped) return stopped();
      return agentTarget(*info);
    }
    if (info.error().errnum != ENOENT) return tl::unexpected(info.error());
    if (discovered) {
      auto found = discovered(ref);
      if (!found) return tl::unexpected(found.error());
      if (*found) return **found;
    }
    return userError("no such container " + quotedForMessage(ref) +
                         "; agentctl ps -a lists agentd's (by id, id prefix or name), and another runtime's go by id, "
                         "name or cgroup path",
                     ENOENT);
  }
  if (auto valid = cgroup::validateCgroupPath(ref); !valid) return tl::unexpected(valid.error());
  // A container's path is that container (its name and labels), as the pass sees it.
  if (auto list = runtime_.list()) {
    for (const auto& c : *list) {
      if (c.config.cgroupPath != ref) continue;
      if (c.status.state == container::ContainerState::Stopped) return stopped();
      return agentTarget(c);
    }
  }
  if (discovered) {
    auto found = discovered(ref);
    if (!found) return tl::unexpected(found.error());
    if (*found) return **found;
  }
  // A group need not be in every hierarchy (systemd's v1 units without memory accounting):
  // what it has takes limits, the rest is refused per resource.
  auto group = cgroup::Cgroup::openWherePresent(hierarchy_, ref, limitControllers());
  if (!group) {
    return userError("no such cgroup " + quotedForMessage(ref) +
                         ": no cpu, memory or pids hierarchy has a directory for it; give the path "
                         "as /proc/PID/cgroup shows it",
                     ENOENT);
  }
  return LimitTarget{ref, ref, ref, false, {}, false};  // a plain cgroup: `cgroups:` policies only
}

namespace {

// "container=web", or "engine=docker container=web" for an engine's container: an agentd
// container and a Docker one may share a name.
std::string containerField(const LimitTarget& target) {
  return (target.engine.empty() ? "" : "engine=" + target.engine + " ") + "container=" + target.name;
}

// A group named by an engine's full container id (Classifier.h).
bool endsInContainerId(const std::string& path) {
  return !collectors::trailingContainerId(path).empty();
}

}  // namespace

Result<std::unique_ptr<policies::LimitFiles>> Reconciler::groupOf(const LimitTarget& target) const {
  std::unique_ptr<policies::LimitFiles> files;
  if (options_.open) {
    auto opened = options_.open(target.cgroupPath);
    if (!opened) return tl::unexpected(opened.error());
    files = std::move(*opened);
  } else {
    auto group = cgroup::Cgroup::openWherePresent(hierarchy_, target.cgroupPath, limitControllers());
    if (!group) return tl::unexpected(group.error());
    files = std::make_unique<policies::CgroupLimitFiles>(std::move(*group));
  }
  // An engine's container: written through its API (the engine writes the same files), so
  // that the engine holds the value and keeps it over its restarts.
  if (auto engine = options_.engineLimits.find(target.engine);
      !target.engine.empty() && !target.engineId.empty() && engine != options_.engineLimits.end()) {
    return std::make_unique<engines::EngineLimitFiles>(std::move(files), engine->second, target.engineId);
  }
  return files;
}

std::map<policies::Resource, std::string> Reconciler::problems(const std::string& cgroupPath) {
  std::lock_guard pass(passMutex_);
  auto found = tracked_.find(cgroupPath);
  return found == tracked_.end() ? std::map<policies::Resource, std::string>{} : found->second.problems;
}

void Reconciler::report(Tracked& tracked, const LimitTarget& target, const policies::Change& change) {
  std::string resource(policies::resourceName(change.resource));
  auto known = tracked.problems.find(change.resource);
  if (change.error.empty()) {
    if (known == tracked.problems.end()) return;
    spdlog::info("msg=\"limit in force again\" {} resource={} value={}", containerField(target), resource,
                 change.after);
    tracked.problems.erase(known);
    return;
  }
  if (known != tracked.problems.end() && known->second == change.error) return;  // said already
  spdlog::warn("msg=\"{}\" {} cgroup={} resource={} error=\"{}\"",
               change.unavailable ? "limit cannot be applied to this group" : "limit not enforced",
               containerField(target), target.cgroupPath, resource, change.error);
  tracked.problems[change.resource] = change.error;
}

void Reconciler::countUnenforced() {
  for (policies::Resource r : policies::kResources) {
    uint64_t groups = 0;
    for (const auto& [path, t] : tracked_) groups += t.problems.count(r);
    metrics_.setUnenforced(std::string(policies::resourceName(r)), groups);
  }
}

Result<std::vector<policies::Change>> Reconciler::apply(const LimitTarget& target, const policies::LimitSet& desired,
                                                        const policies::LimitSource& source) {
  std::lock_guard pass(passMutex_);
  auto group = groupOf(target);
  if (!group) return tl::unexpected(group.error());
  auto changes = policies::enforce(**group, desired, options_.enforce);
  if (!changes) return changes;
  for (const auto& c : *changes) {
    if (c.written) metrics_.enforced(source.metricLabel(), std::string(policies::resourceName(c.resource)));
  }
  return changes;
}

Reconciler::Tracked* Reconciler::track(const LimitTarget& target) {
  auto found = tracked_.find(target.cgroupPath);
  // An engine's container first seen before its engine's client knew it is opened again
  // once it does, to write through the engine from then on.
  if (found != tracked_.end() && found->second.engine == target.engine) return &found->second;
  Tracked t;
  if (found != tracked_.end()) {
    // The same container: what it was last made to be stays known (a change now is drift).
    t.checked = found->second.checked;
    t.limits = found->second.limits;
    t.ceilings = found->second.ceilings;
    tracked_.erase(found);
  }
  auto group = groupOf(target);
  if (!group) return nullptr;  // gone (another runtime's container may come back)
  t.files = std::move(*group);
  t.engine = target.engine;
  return &tracked_.emplace(target.cgroupPath, std::move(t)).first->second;
}

void Reconciler::untrack(const std::string& cgroupPath) {
  tracked_.erase(cgroupPath);
}

void Reconciler::readWrites() {
  if (!options_.writes) return;
  auto written = options_.writes->take(writesReader_);
  for (auto& [path, t] : tracked_) t.dirty = t.dirty || written.all || written.paths.count(path) > 0;
}

void Reconciler::reconcileOne(const LimitTarget& target, const policies::PolicySet& policies, bool periodic) {
  auto override = overrides_.get(target.key);
  auto desired = policies::resolve(policies, target.facts(), override);
  if (desired.limits.empty() && desired.ceilings.empty()) {
    untrack(target.cgroupPath);
    return;
  }
  Tracked* t = track(target);
  if (!t) return;
  t->seenAtPass = pass_;
  bool sameDesire = t->checked && t->limits == desired.limits && t->ceilings == desired.ceilings;
  // agentd made it so before: a pass did, or `agentctl limit` did (its override) before any pass.
  bool madeBefore = sameDesire || (!t->checked && override.has_value());
  // Nothing can differ when the group is wanted as it was last made, and none of its files
  // was written since (the host's cgroup watch says): no read at all. Every kVerifyEvery
  // passes all are read anyway, in case a change came some way the watch does not see.
  bool watched = options_.writes && options_.writes->covers(target.cgroupPath);
  if (sameDesire && !t->dirty && watched && pass_ % kVerifyEvery != 0) return;
  if (!sameDesire) {
    for (const auto& conflict : desired.conflicts) {
      spdlog::warn("msg=\"policy conflict\" {} conflict=\"{}\"", containerField(target), conflict);
    }
  }
  t->checked = true;
  t->dirty = false;
  t->limits = desired.limits;
  t->ceilings = desired.ceilings;
  const policies::LimitFiles* group = t->files.get();
  policies::LimitSet toWrite = desired.limits;
  // A ceiling with nothing setting the resource bounds what the kernel has: only lowered.
  if (!desired.ceilings.empty()) {
    if (auto actual = group->readLimits()) {
      auto now = policies::fromCgroupLimits(*actual);
      for (policies::Resource r : policies::kResources) {
        if (desired.limits.has(r) || !desired.ceilings.has(r) || !policies::exceeds(now, desired.ceilings, r)) continue;
        toWrite.merge(desired.ceilings.only(r));
      }
    }
  }
  auto changes = policies::enforce(*group, toWrite, options_.enforce);
  if (!changes) {
    untrack(target.cgroupPath);  // unreadable: gone or replaced; opened afresh next pass
    return;
  }
  // A resource no longer asked for has no problem any more.
  for (auto it = t->problems.begin(); it != t->problems.end();) {
    bool asked = std::any_of(changes->begin(), changes->end(), [&](const auto& c) { return c.resource == it->first; });
    it = asked ? std::next(it) : t->problems.erase(it);
  }
  // Drift is a change behind agentd's back: a write a periodic pass needed though agentd had
  // made the group as it is wanted. A group seen for the first time without an override (an
  // engine's new container), or a changed desire, is enforced, not put back.
  bool drift = periodic && madeBefore;
  // A write that failed (the engine down, the kernel refusing) is tried again next pass, not
  // at the next full check.
  t->dirty =
      std::any_of(changes->begin(), changes->end(), [](const auto& c) { return !c.error.empty() && !c.unavailable; });
  for (const auto& c : *changes) {
    std::string resource(policies::resourceName(c.resource));
    auto why = desired.why.find(c.resource);
    policies::LimitSource source = why == desired.why.end() ? policies::LimitSource{} : why->second.writer();
    report(*t, target, c);
    if (c.written) {
      metrics_.enforced(source.metricLabel(), resource);
      if (drift) metrics_.driftCorrected(resource);
      spdlog::info("msg=\"limit {}\" {} resource={} from={} to={} source=\"{}\"{}",
                   drift ? "drifted, put back" : "enforced", containerField(target), resource, c.before, c.after,
                   source.describe(), c.note.empty() ? "" : " note=\"" + c.note + "\"");
    } else if (!options_.enforce && c.before != c.after) {
      spdlog::info("msg=\"limit would change (enforce: false)\" {} resource={} from={} to={}", containerField(target),
                   resource, c.before, c.after);
    }
  }
}

void Reconciler::reconcileAll(bool periodic) {
  std::lock_guard pass(passMutex_);
  ++pass_;
  readWrites();
  auto policies = policies_.current();
  // The agent's containers: re-listed only when one changed (a list reads every record).
  if (uint64_t generation = runtime_.generation(); generation != agentGeneration_) {
    agentTargets_.clear();
    if (auto list = runtime_.list()) {
      for (const auto& c : *list) {
        if (c.status.state == container::ContainerState::Stopped) continue;
        agentTargets_.push_back({c.config.spec.id, c.config.name, c.config.cgroupPath, true, c.config.labels, true});
      }
      agentGeneration_ = generation;
    }
  }
  auto overrides = overrides_.all();
  std::set<std::string> done;
  for (const auto& target : agentTargets_) {
    reconcileOne(target, *policies, periodic);
    done.insert(target.key);
  }
  // Other runtimes' containers: those a policy matches or that have an override.
  if (discovered_) {
    for (const auto& target : discovered_()) {
      if (done.count(target.key)) continue;
      bool matched = overrides.count(target.key) > 0;
      for (const auto& p : policies->policies) {
        matched = matched || policies::matches(p.match, target.facts());
      }
      if (!matched) continue;
      reconcileOne(target, *policies, periodic);
      done.insert(target.key);
    }
  }
  for (const auto& [key, override] : overrides) {
    if (done.count(key)) continue;
    if (key.front() != '/') {
      // An agent container that is not running: removed ones lose their override.
      if (auto info = runtime_.inspect(key); !info && info.error().errnum == ENOENT) (void)overrides_.erase(key);
      continue;
    }
    // An engine's container that is gone for good (its full id names it, and ids do not come
    // back): its override goes with it, as an agent container's does. A stopped one keeps it:
    // its engine still holds it, and `docker start` brings its group back at the same path.
    if (endsInContainerId(key)) {
      auto group = groupOf({key, key, key, false, {}, false});
      bool groupGone = !group && group.error().isGone();
      std::optional<bool> held = options_.engineHolds ? options_.engineHolds(key) : std::nullopt;
      // Its engine's, stopped or not yet in the snapshot (restarted a moment ago): reached as
      // the engine's container once the collector lists it, its limits written through the
      // engine. Written here by path, they would pass the engine by, and its policies' labels.
      if (held == true) continue;
      if (groupGone) {
        (void)overrides_.erase(key);
        spdlog::info("msg=\"override dropped: its container is gone\" cgroup={} because=\"{}\"", key,
                     held == false ? "its engine no longer lists it" : "its cgroup is gone");
        continue;
      }
    }
    reconcileOne({key, key, key, false, {}, false}, *policies, periodic);  // a cgroup limited by path
  }
  // Groups no longer wanted (removed containers, policies gone) are let go.
  for (auto it = tracked_.begin(); it != tracked_.end();) {
    auto next = std::next(it);
    if (it->second.seenAtPass != pass_) untrack(it->first);
    it = next;
  }
  countUnenforced();
}

}  // namespace agent
