#pragma once
// Desired limits made true and kept true. Desired, today, is each container's override
// (`agentctl limit`, and the limits it was run with); YAML policies join next. Actual is
// the cgroup files. A pass writes only what differs; a write found by the periodic pass
// (`reconcile_interval`) put back a value someone changed behind the agent's back, and is
// counted as drift corrected. `enforce: false` reports and writes nothing.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ContainerRuntime.h"
#include "EnforcementMetrics.h"
#include "Enforcer.h"
#include "OverrideStore.h"

namespace agent {

// What `limit` and the reconciler act on.
struct LimitTarget {
  std::string key;  // the override's key: the agent container's id, or a cgroup path
  std::string name;
  std::string cgroupPath;
  bool agent = false;
};

// Finds a container of another runtime by id, short id or name; empty when none.
using DiscoveredLookup = std::function<std::optional<LimitTarget>(const std::string& ref)>;

class Reconciler {
 public:
  struct Options {
    bool enforce = true;
    std::chrono::milliseconds interval{5000};
  };
  Reconciler(container::ContainerRuntime& runtime, const cgroup::Hierarchy& hierarchy,
             policies::OverrideStore& overrides, EnforcementMetrics& metrics, Options options);
  ~Reconciler();  // stops the periodic pass
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // Starts the periodic pass (after one pass now).
  void start();
  bool enforcing() const { return options_.enforce; }

  // An agent container by id, prefix or name; else a cgroup path ("/docker/<id>"); else
  // another runtime's container through `discovered`.
  Result<LimitTarget> resolve(const std::string& ref, const DiscoveredLookup& discovered) const;
  // Makes `desired` true on the target now, counting each write for `source`.
  Result<std::vector<policies::Change>> apply(const LimitTarget& target, const policies::LimitSet& desired,
                                              const std::string& source);
  // One pass over every override. `periodic`: writes are drift corrections.
  void reconcileAll(bool periodic);

 private:
  Result<cgroup::Cgroup> groupOf(const LimitTarget& target) const;
  void run();

  container::ContainerRuntime& runtime_;
  const cgroup::Hierarchy& hierarchy_;
  policies::OverrideStore& overrides_;
  EnforcementMetrics& metrics_;
  Options options_;
  std::mutex passMutex_;  // one pass or apply at a time: no two writers race on a file
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace agent
