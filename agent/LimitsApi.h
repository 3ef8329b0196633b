#pragma once
// PATCH /v1/containers/{id}/limits: `agentctl limit`. Parses the quantities, finds the
// container (ours, or another runtime's by id, name or cgroup path), writes what differs
// and stores what took as the container's override, which the reconciler keeps true and
// which outlives agentd. The reply says, per resource, the value before and after, and what
// else happened (memory reclaimed, processes OOM-killed) or why it could not be set.
#include "HttpApi.h"
#include "OverrideStore.h"
#include "Reconciler.h"

namespace agent {

class LimitsApi {
 public:
  LimitsApi(Reconciler& reconciler, policies::OverrideStore& overrides, const cgroup::Hierarchy& hierarchy,
            DiscoveredLookup discovered, unsigned hostCpus)
      : reconciler_(reconciler),
        overrides_(overrides),
        hierarchy_(hierarchy),
        discovered_(std::move(discovered)),
        hostCpus_(hostCpus) {}
  HttpResponse patch(const std::string& ref, const HttpRequest& request);
  // GET .../limits: `agentctl policy explain`: per resource the value it should have, which
  // override or policy set it, the ceiling and whose, and what the kernel has now.
  HttpResponse explain(const std::string& ref);
  // Before `run`: the limits the new container starts with are its own (`run --cpu`), and
  // what matching policies set for the rest, bounded by their ceilings; a given limit above
  // a ceiling is refused. So limits are in place before its command runs.
  Result<void> limitsForRun(const std::string& name, const std::map<std::string, std::string>& labels,
                            cgroup::Limits& limits);
  // The limits a container was run with become its override (kept like `limit`'s).
  void recordRunLimits(const std::string& id, const cgroup::Limits& limits);
  void forget(const std::string& id) { (void)overrides_.erase(id); }

 private:
  Reconciler& reconciler_;
  policies::OverrideStore& overrides_;
  const cgroup::Hierarchy& hierarchy_;
  DiscoveredLookup discovered_;
  unsigned hostCpus_;
};

}  // namespace agent
