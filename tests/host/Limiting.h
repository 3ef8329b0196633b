#pragma once
// The limit machinery of agentd (override store, policy store, reconciler, metrics, the
// limit service) over a test runtime with its own directories and cgroup parent:
// `agentctl limit`'s path below the HTTP layer, the same calls LimitsApi makes.
#include <optional>
#include <stdexcept>
#include <string>

#include "EnforcementMetrics.h"
#include "HostTestSupport.h"
#include "LimitService.h"
#include "OverrideStore.h"
#include "Reconciler.h"

namespace agent::hosttest {

// A runtime (its own directories and cgroup parent) with the limit machinery over it.
struct Limiting {
  Agent agent;
  std::optional<policies::OverrideStore> overrides;
  EnforcementMetrics metrics;
  std::optional<PolicyStore> policies;  // an empty policy directory: overrides alone
  std::optional<Reconciler> reconciler;
  std::optional<policies::LimitService> service;
  std::optional<policies::Change> last;  // of the last limit(), for its note
  explicit Limiting(DiscoveredList discovered = {}, Reconciler::Options options = {}) {
    auto store = policies::OverrideStore::open(agent.config.stateDir);
    if (!store) throw std::runtime_error(store.error().message());
    overrides.emplace(std::move(*store));
    policies.emplace(agent.scratch.path() + "/policies", 2);
    reconciler.emplace(*agent, HostEnvironment::hierarchy(), *overrides, *policies, metrics, options, discovered);
    // Other runtimes' containers by name or path, from the list the reconciler's pass walks
    // (agentd looks them up in the collector's snapshot the same way).
    DiscoveredLookup lookup = [discovered](const std::string& ref) -> Result<std::optional<LimitTarget>> {
      if (!discovered) return std::nullopt;
      for (const auto& t : discovered())
        if (t.container && (t.name == ref || t.cgroupPath == ref)) return t;
      return std::nullopt;
    };
    service.emplace([this, lookup](const std::string& ref) { return reconciler->resolve(ref, lookup); },
                    [this] { return policies->current(); }, *overrides, *reconciler, HostEnvironment::hierarchy());
  }
  // Sets `resource` as `agentctl limit NAME --resource QUANTITY` would; returns "before -> after",
  // or "error: " and why.
  std::string limit(const std::string& name, const std::string& resource, const std::string& quantity) {
    auto desired = policies::limitSetFromJson({{resource, quantity}}, 2);
    if (!desired) return "refused: " + desired.error().message();
    auto outcome = service->set(name, *desired);
    if (!outcome) return (outcome.error().errnum == ENOENT ? "not found: " : "refused: ") + outcome.error().message();
    if (outcome->changes.size() != 1) return "failed";
    const auto& c = outcome->changes.front();
    last = c;
    return c.error.empty() ? c.before + " -> " + c.after : "error: " + c.error;
  }
  cgroup::Cgroup group(const container::ContainerInfo& info) {
    auto g = agent->cgroupOf(info.config);
    if (!g) throw std::runtime_error(g.error().message());
    return std::move(*g);
  }
};

}  // namespace agent::hosttest
