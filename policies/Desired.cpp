#include "Desired.h"

#include <fnmatch.h>

namespace agent::policies {

namespace {

bool anyGlob(const std::vector<std::string>& globs, const std::string& text) {
  for (const auto& g : globs)
    if (::fnmatch(g.c_str(), text.c_str(), 0) == 0) return true;
  return false;
}

}  // namespace

std::string LimitSource::describe() const {
  switch (kind) {
    case Kind::None:
      return "";
    case Kind::Override:
      return "override";
    case Kind::Policy:
      return "policy " + policy;
  }
  return "";
}

std::string LimitSource::metricLabel() const {
  return kind == Kind::Policy ? policy : describe();
}

bool matches(const PolicyMatch& match, const ContainerFacts& container) {
  if (!container.container && match.cgroups.empty()) return false;
  if (!match.names.empty() && !anyGlob(match.names, container.name)) return false;
  if (!match.cgroups.empty() && !anyGlob(match.cgroups, container.cgroupPath)) return false;
  for (const auto& [key, value] : match.labels) {
    auto found = container.labels.find(key);
    if (found == container.labels.end() || found->second != value) return false;
  }
  return !match.names.empty() || !match.cgroups.empty() || !match.labels.empty();
}

Desired resolve(const PolicySet& policies, const ContainerFacts& container, const std::optional<LimitSet>& override) {
  Desired d;
  std::vector<const Policy*> matching;
  for (const auto& p : policies.policies) {  // already by priority, then name
    if (matches(p.match, container)) {
      matching.push_back(&p);
      d.matched.push_back(p.name);
    }
  }
  for (Resource r : kResources) {
    std::string resource(resourceName(r));
    ResourceDecision why;
    if (override && override->has(r)) {
      d.limits.merge(override->only(r));
      why.source = LimitSource::override();
    } else {
      const Policy* winner = nullptr;
      for (const Policy* p : matching) {
        if (!p->limits.has(r)) continue;
        if (!winner) {
          winner = p;
          d.limits.merge(p->limits.only(r));
          why.source = LimitSource::of(*p);
        } else if (p->priority == winner->priority && !sameLimit(p->limits, winner->limits, r)) {
          d.conflicts.push_back(resource + ": policies " + winner->name + " and " + p->name + " (priority " +
                                std::to_string(p->priority) + ") disagree; " + winner->name + " wins by name");
        }
      }
    }
    // The lowest ceiling of all matching policies bounds every source.
    for (const Policy* p : matching) {
      if (!p->max.has(r)) continue;
      if (!d.ceilings.has(r) || exceeds(d.ceilings, p->max, r)) {
        d.ceilings.merge(p->max.only(r));
        why.ceiling = LimitSource::of(*p);
      }
    }
    if (d.ceilings.has(r) && d.limits.has(r) && exceeds(d.limits, d.ceilings, r)) {
      d.limits.merge(d.ceilings.only(r));
      why.clamped = true;
    }
    if (why.source || why.ceiling) d.why[r] = why;
  }
  return d;
}

}  // namespace agent::policies
