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

// Who decided a value: the container's override, or a policy (by name).
struct LimitSource {
  enum class Kind { None, Override, Policy };
  Kind kind = Kind::None;
  std::string policy;  // the policy's name when kind is Policy

  static LimitSource override() { return {Kind::Override, ""}; }
  static LimitSource of(const Policy& policy) { return {Kind::Policy, policy.name}; }
  explicit operator bool() const { return kind != Kind::None; }
  // "override", "policy web-tier", or "" for none: as `policy explain` shows it.
  std::string describe() const;
  // "override" or the policy's name: the `policy` label of agent_policy_enforcements_total.
  std::string metricLabel() const;
  bool operator==(const LimitSource&) const = default;
};

struct ResourceDecision {
  LimitSource source;    // none when nothing sets it (only a ceiling bounds it)
  LimitSource ceiling;   // the policy whose max bounds it, or none
  bool clamped = false;  // the value was above the ceiling and is the ceiling now
  // Who the reconciler credits a write to: the source, else the ceiling that lowered it.
  const LimitSource& writer() const { return source ? source : ceiling; }
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
