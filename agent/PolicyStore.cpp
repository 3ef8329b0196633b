#include "PolicyStore.h"

#include <spdlog/spdlog.h>

#include "UnixTime.h"

namespace agent {

bool PolicyStore::reload() {
  auto loaded = policies::loadPolicyDir(dir_, hostCpus_);
  std::lock_guard lock(mutex_);
  if (!loaded.ok()) {
    ++reloadErrors_;
    lastErrors_ = loaded.errors;
    for (const auto& e : loaded.errors)
      spdlog::error("msg=\"policy error; keeping the policies in force\" error=\"{}\"", e);
    return false;
  }
  current_ = std::make_shared<const policies::PolicySet>(std::move(loaded.set));
  lastErrors_.clear();
  lastSuccessUnixMs_ = nowUnixMs();
  spdlog::info("msg=\"policies loaded\" dir={} policies={} files={}", dir_, current_->policies.size(),
               current_->files.size());
  return true;
}

std::shared_ptr<const policies::PolicySet> PolicyStore::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

policies::LoadedPolicies PolicyStore::validate(const std::vector<policies::PolicyFile>& files) const {
  return policies::loadPolicies(files, hostCpus_);
}

PolicyStore::Status PolicyStore::status() const {
  std::lock_guard lock(mutex_);
  return Status{dir_, current_->policies.size(), current_->files, lastSuccessUnixMs_, lastErrors_, reloadErrors_};
}

std::vector<prometheus::MetricFamily> PolicyStore::Collect() const {
  using prometheus::MetricType;
  std::lock_guard lock(mutex_);
  prometheus::MetricFamily errors{"agent_policy_reload_errors_total",
                                  "Policy reloads refused because the files had errors (the set in force stayed).",
                                  MetricType::Counter,
                                  {}};
  prometheus::ClientMetric e;
  e.counter.value = static_cast<double>(reloadErrors_);
  errors.metric.push_back(e);
  std::vector<prometheus::MetricFamily> out{std::move(errors)};
  if (lastSuccessUnixMs_ > 0) {
    prometheus::MetricFamily success{"agent_policy_last_reload_success_timestamp_seconds",
                                     "When the policy set in force was loaded, Unix seconds.",
                                     MetricType::Gauge,
                                     {}};
    prometheus::ClientMetric s;
    s.gauge.value = static_cast<double>(lastSuccessUnixMs_) / 1000.0;
    success.metric.push_back(s);
    out.push_back(std::move(success));
  }
  return out;
}

}  // namespace agent
