#pragma once
// Containers prepared before anyone asks for them, so that `run` skips the slow half of a
// start. Joining a new cgroup waits for an RCU grace period in the kernel (7-15 ms here,
// on v1 and v2 alike), and creating the namespaces and starting agent-shim cost a few ms
// more; a standby container has all of that done: its shim runs, its PID 1 is cloned into
// fresh namespaces (network: none) and sits in its own cgroup, blocked before it has a root
// filesystem, a hostname or a command. `run` writes the limits and config.json, then
// releases it.
//
// Each standby costs an idle shim, an idle process and an empty cgroup; none is ever shown
// as a container. A marker in <state-dir>/standby/<id> names its cgroup, so that an agentd
// started after a crash removes what the previous one left (the shims end by themselves
// when agentd's end of their control pipe closes).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "Cgroup.h"
#include "ShimStarter.h"

namespace agent::container {

struct Standby {
  std::string id;
  std::string cgroupPath;
  StandbyShim shim;
};

struct StandbyPoolConfig {
  std::string stateDir;
  std::string shimPath;
  std::string cgroupParent;
  size_t target = 1;
};

class StandbyPool {
 public:
  StandbyPool(StandbyPoolConfig config, cgroup::Hierarchy hierarchy);
  ~StandbyPool();  // drops every standby container
  StandbyPool(const StandbyPool&) = delete;
  StandbyPool& operator=(const StandbyPool&) = delete;

  // Removes the standby cgroups and markers a previous agentd left. Returns how many.
  static size_t removeLeftovers(const std::string& stateDir, const cgroup::Hierarchy& hierarchy);

  // A ready standby, if there is one; the pool prepares a replacement in the background.
  std::optional<Standby> take();
  // Once `standby` became a container (or failed to): it is no longer the pool's.
  void forget(const Standby& standby);
  // Ends a standby that will not be used: its shim, its process, its cgroup, its marker.
  void discard(Standby& standby);

  // Around every cgroup change of a request (create, remove, freeze). A standby's cgroup join
  // holds the kernel's cgroup_mutex for its whole grace period, so the pool prepares only
  // once such requests have been quiet for a moment, not in the middle of a `run --rm`.
  class Activity {
   public:
    explicit Activity(StandbyPool* pool);
    ~Activity();

   private:
    StandbyPool* pool_;
  };
  Activity activity() { return Activity(this); }

  size_t ready() const;
  size_t failures() const;
  // The cgroup of every standby the pool holds: being prepared, ready, or taken by a run()
  // that has not forget() it yet. A path is in it from before its cgroup is made until after
  // it is removed (or its container owns it), so a reader never sees a standby cgroup that is
  // in neither this set nor the runtime's containers. The collector leaves them out.
  std::set<std::string> cgroupPaths() const;

 private:
  void fillLoop(std::stop_token stop);
  Result<Standby> prepareOne();
  std::string markerOf(const std::string& id) const { return config_.stateDir + "/standby/" + id; }

  StandbyPoolConfig config_;
  cgroup::Hierarchy hierarchy_;
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<Standby> ready_;
  std::set<std::string> cgroupPaths_;
  size_t failures_ = 0;
  int active_ = 0;
  std::chrono::steady_clock::time_point lastActive_{};
  std::jthread filler_;
};

}  // namespace agent::container
