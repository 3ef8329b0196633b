#pragma once
// The policy set in force, loaded from the policy directory. A reload that finds any error
// keeps the set in force (a bad file never replaces the good one): the errors are logged,
// counted in agent_policy_reload_errors_total and kept for `agentctl policy list`.
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "Policy.h"
#include "PolicyLoader.h"

namespace agent {

class PolicyStore : public prometheus::Collectable {
 public:
  PolicyStore(std::string dir, unsigned hostCpus) : dir_(std::move(dir)), hostCpus_(hostCpus) {}

  // True when the directory's set is now in force.
  bool reload();
  std::shared_ptr<const policies::PolicySet> current() const;
  // Checks files without touching what is in force (`agentctl policy validate`).
  policies::LoadedPolicies validate(const std::vector<policies::PolicyFile>& files) const;

  struct Status {
    std::string dir;
    size_t policies = 0;
    std::vector<std::string> files;
    int64_t lastSuccessUnixMs = 0;
    std::vector<std::string> lastErrors;  // of the last reload; empty when it succeeded
    uint64_t reloadErrors = 0;
  };
  Status status() const;
  const std::string& dir() const { return dir_; }
  unsigned hostCpus() const { return hostCpus_; }

  // agent_policy_reload_errors_total, agent_policy_last_reload_success_timestamp_seconds.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string dir_;
  unsigned hostCpus_;
  mutable std::mutex mutex_;
  std::shared_ptr<const policies::PolicySet> current_ = std::make_shared<policies::PolicySet>();
  int64_t lastSuccessUnixMs_ = 0;
  std::vector<std::string> lastErrors_;
  uint64_t reloadErrors_ = 0;
};

}  // namespace agent
