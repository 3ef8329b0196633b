// Policies' `security:` keys: what a matching container must be confined by.
#include "Policy.h"

namespace agent::policies {

const Policy* policyRequiringSeccomp(const PolicySet& set, const ContainerFacts& container) {
  for (const auto& policy : set.policies)
    if (policy.seccompRequired && matches(policy.match, container)) return &policy;
  return nullptr;
}

}  // namespace agent::policies
