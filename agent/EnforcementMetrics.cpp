#include "EnforcementMetrics.h"

#include "LabelText.h"

namespace agent {

void EnforcementMetrics::enforced(const std::string& policy, const std::string& resource) {
  std::lock_guard lock(mutex_);
  ++enforcements_[{policy, resource}];
}

void EnforcementMetrics::driftCorrected(const std::string& resource) {
  std::lock_guard lock(mutex_);
  ++drift_[resource];
}

void EnforcementMetrics::setUnenforced(const std::string& resource, uint64_t groups) {
  std::lock_guard lock(mutex_);
  unenforced_[resource] = groups;
}

uint64_t EnforcementMetrics::unenforced(const std::string& resource) const {
  std::lock_guard lock(mutex_);
  auto found = unenforced_.find(resource);
  return found == unenforced_.end() ? 0 : found->second;
}

uint64_t EnforcementMetrics::enforcements(const std::string& policy, const std::string& resource) const {
  std::lock_guard lock(mutex_);
  auto found = enforcements_.find({policy, resource});
  return found == enforcements_.end() ? 0 : found->second;
}

uint64_t EnforcementMetrics::driftCorrections(const std::string& resource) const {
  std::lock_guard lock(mutex_);
  auto found = drift_.find(resource);
  return found == drift_.end() ? 0 : found->second;
}

std::vector<prometheus::MetricFamily> EnforcementMetrics::Collect() const {
  using prometheus::MetricType;
  prometheus::MetricFamily enforcements{
      "agent_policy_enforcements_total",
      "Limits written to cgroup files by agentctl limit and the reconciler, by what asked for them and resource.",
      MetricType::Counter,
      {}};
  prometheus::MetricFamily drift{"agent_policy_drift_corrections_total",
                                 "Limits changed behind the agent's back and put back, by resource.",
                                 MetricType::Counter,
                                 {}};
  prometheus::MetricFamily unenforced{
      "agent_policy_unenforced_limits",
      "Groups whose wanted limit is not in force (refused by the kernel, or no directory in that hierarchy), by "
      "resource.",
      MetricType::Gauge,
      {}};
  std::lock_guard lock(mutex_);
  for (const auto& [key, value] : enforcements_) {
    prometheus::ClientMetric metric;
    metric.label = {{"policy", collectors::utf8LabelValue(key.first)}, {"resource", key.second}};
    metric.counter.value = static_cast<double>(value);
    enforcements.metric.push_back(std::move(metric));
  }
  for (const auto& [resource, value] : drift_) {
    prometheus::ClientMetric metric;
    metric.label = {{"resource", resource}};
    metric.counter.value = static_cast<double>(value);
    drift.metric.push_back(std::move(metric));
  }
  for (const auto& [resource, value] : unenforced_) {
    prometheus::ClientMetric metric;
    metric.label = {{"resource", resource}};
    metric.gauge.value = static_cast<double>(value);
    unenforced.metric.push_back(std::move(metric));
  }
  std::vector<prometheus::MetricFamily> out;
  if (!enforcements.metric.empty()) out.push_back(std::move(enforcements));
  if (!drift.metric.empty()) out.push_back(std::move(drift));
  if (!unenforced.metric.empty()) out.push_back(std::move(unenforced));
  return out;
}

}  // namespace agent
