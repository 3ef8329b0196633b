#pragma once
// agent_policy_enforcements_total{policy,resource}: every limit `limit` and the reconciler wrote (not
// those a container starts with at `run`, written by the runtime), by what asked for
// it ("override" for `agentctl limit`, a policy's name later), and
// agent_policy_drift_corrections_total{resource}: the writes that put back a value someone
// changed behind the agent's back (found by the periodic reconcile), and
// agent_policy_unenforced_limits{resource}: groups whose wanted limit is not in force, because
// the kernel refused it or the group has no directory in that resource's hierarchy.
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace agent {

class EnforcementMetrics : public prometheus::Collectable {
 public:
  void enforced(const std::string& policy, const std::string& resource);
  void driftCorrected(const std::string& resource);
  // The count as of the reconciler's last pass.
  void setUnenforced(const std::string& resource, uint64_t groups);
  uint64_t unenforced(const std::string& resource) const;
  uint64_t enforcements(const std::string& policy, const std::string& resource) const;
  uint64_t driftCorrections(const std::string& resource) const;
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, uint64_t> enforcements_;
  std::map<std::string, uint64_t> drift_;
  std::map<std::string, uint64_t> unenforced_;
};

}  // namespace agent
