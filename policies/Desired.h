#pragma once
// What a container's limits should be, and why (SPEC.md precedence), per resource:
//   1. its override (`agentctl limit`, and the limits it was run with) beats policy limits;
//   2. else the highest-priority matching policy that sets the resource; equal priorities
//      that disagree are a conflict, reported and resolved by policy name order;
//   3. every matching policy's `max` bounds the result, whatever its source.
// Pure: the reconciler, `policy explain` and `limit` (to refuse above a ceiling) share it.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "LimitSet.h"
#include "Policy.h"

namespace agent::policies {

struct ResourceDecision {
  std::string source;    // "override", "policy <name>", or "" when nothing sets it
  std::string ceiling;   // "policy <name>" whose max bounds it, or ""
  bool clamped = false;  // the value was above the ceiling and is the ceiling now
};

struct Desired {
  LimitSet limits;  // only the resources something sets
  LimitSet ceilings;
  std::map<Resource, ResourceDecision> why;
  std::vector<std::string> conflicts;  // "cpu: policies a and b (priority 5) disagree; a wins"
  std::vector<std::string> matched;    // names of the matching policies, in precedence order
};

Desired resolve(const PolicySet& policies, const ContainerFacts& container, const std::optional<LimitSet>& override);

}  // namespace agent::policies
