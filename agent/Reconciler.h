#pragma once
// Desired limits made true and kept true. Desired = the container's override (`agentctl
// limit`, and the limits it was run with) and the matching policies, bounded by their
// ceilings (policies/Desired.h); actual = the cgroup files. A pass writes only what differs.
// Passes run at agentd's start, after a policy reload, for one container on `limit`, and
// every `reconcile_interval`; a write of the periodic pass put back a value someone changed
// behind the agent's back and is counted as a drift correction. `enforce: false` reports
// and writes nothing. Which groups were written behind its back it learns from the host's
// one cgroup watch (runtime/cgroup's inventory, through a CgroupWriteFeed): a group no
// write touched is not read again until the next full check.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "CgroupWriteFeed.h"
#include "ContainerRuntime.h"
#include "Desired.h"
#include "EnforcementMetrics.h"
#include "Enforcer.h"
#include "EngineLimitClient.h"
#include "LimitService.h"
#include "OverrideStore.h"
#include "PolicyStore.h"

namespace agent {

using LimitTarget = policies::LimitTarget;

// Finds a container of another runtime by id, short id, name or cgroup path; empty when none.
// Another runtime's container by a reference; nullopt: none; an error: several fit (say which).
using DiscoveredLookup = std::function<Result<std::optional<LimitTarget>>(const std::string& ref)>;
// Every container of other runtimes the collector knows (docker, containerd, podman, lxc).
using DiscoveredList = std::function<std::vector<LimitTarget>()>;

class Reconciler : public policies::LimitWriter {
 public:
  struct Options {
    bool enforce = true;
    std::chrono::milliseconds interval{5000};
    // Writes the inventory's watch saw; without it every tracked group is read every pass.
    std::shared_ptr<cgroup::CgroupWriteFeed> writes = nullptr;
    // How a group's limit files are opened: its cgroup in the cpu, memory and pids
    // hierarchies where present, unless a unit test records instead.
    policies::LimitFilesOpener open = {};
    // Per engine ("docker", "podman"): the API a target with that `engine` gets its limits
    // through (its files are still read to compare and report); an engine not here: the files.
    std::map<std::string, std::shared_ptr<engines::EngineLimitClient>> engineLimits = {};
    // Whether the engine that names a group (by its cgroup path) still holds that container,
    // stopped or running. A stopped Docker or podman container has no cgroup but keeps its
    // id, and its override must wait for `docker start`: true/false for an engine that lists
    // its containers (true until its first listing: nothing is known yet); nullopt when none
    // does (containerd's containers are known from their cgroups only) or no function is
    // given: then the group being gone is the sign the container is.
    std::function<std::optional<bool>(const std::string& cgroupPath)> engineHolds = {};
  };
  Reconciler(container::ContainerRuntime& runtime, const cgroup::Hierarchy& hierarchy,
             policies::OverrideStore& overrides, PolicyStore& policies, EnforcementMetrics& metrics, Options options,
             DiscoveredList discovered = {});
  ~Reconciler() override;  // stops the periodic pass
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // Starts the periodic pass (after one pass now).
  void start();
  bool enforcing() const override { return options_.enforce; }

  // An agent container by id, prefix or name; else another runtime's container through
  // `discovered` (by id, name or cgroup path); else a cgroup path ("/docker/<id>"). A path
  // of a container, ours or another runtime's, is that container, with its name and labels:
  // the target the pass acts on, so that `policy explain PATH` shows what the pass applies.
  Result<LimitTarget> resolve(const std::string& ref, const DiscoveredLookup& discovered) const;
  // Makes `desired` true on the target now, counting each write for `source`.
  Result<std::vector<policies::Change>> apply(const LimitTarget& target, const policies::LimitSet& desired,
                                              const policies::LimitSource& source) override;
  // One pass over every agent container, every override, and every other runtime's
  // container a policy matches. `periodic`: writes are drift corrections.
  void reconcileAll(bool periodic);
  // Asks the periodic pass to run now rather than at its interval: another runtime's
  // container appeared, and a policy may be waiting for it.
  void passSoon();
  // Why the group's wanted limits are not in force, per resource, as of its last check (the
  // kernel refused them, or the group has no directory in that hierarchy); empty when all are.
  std::map<policies::Resource, std::string> problems(const std::string& cgroupPath) override;

 private:
  // A group the reconciler keeps limits on: its handle, and what it last made true.
  struct Tracked {
    std::unique_ptr<policies::LimitFiles> files;
    std::string engine;  // the target's engine when opened: its handle writes through that engine's API
    bool dirty = true;   // written since it was last checked (or never checked)
    bool checked = false;
    policies::LimitSet limits, ceilings;  // desired as of the last check
    uint64_t seenAtPass = 0;
    // Resources whose wanted limit is not in force, and why: logged when the reason first
    // appears or changes, not at every pass that finds it again.
    std::map<policies::Resource, std::string> problems;
  };
  Result<std::unique_ptr<policies::LimitFiles>> groupOf(const LimitTarget& target) const;
  Tracked* track(const LimitTarget& target);
  void untrack(const std::string& cgroupPath);
  void readWrites();  // marks the tracked groups written behind our back dirty
  void report(Tracked& tracked, const LimitTarget& target, const policies::Change& change);
  void countUnenforced();
  void reconcileOne(const LimitTarget& target, const policies::PolicySet& policies, bool periodic);
  void run(std::stop_token stop);

  container::ContainerRuntime& runtime_;
  const cgroup::Hierarchy& hierarchy_;
  policies::OverrideStore& overrides_;
  PolicyStore& policies_;
  EnforcementMetrics& metrics_;
  Options options_;
  DiscoveredList discovered_;
  std::mutex passMutex_;                   // one pass or apply at a time: no two writers race on a file
  std::vector<LimitTarget> agentTargets_;  // running and paused agent containers, as of agentGeneration_
  uint64_t agentGeneration_ = UINT64_MAX;
  std::map<std::string, Tracked> tracked_;  // by cgroup path
  cgroup::CgroupWriteFeed::Reader writesReader_ = 0;
  uint64_t pass_ = 0;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool soon_ = false;    // passSoon() asked (under mutex_)
  std::jthread thread_;  // last: stopped and joined before the rest goes
};

}  // namespace agent
