#pragma once
// The limits users set (SPEC.md "Quantities"): cpu, memory and pids, each unset, a value, or
// unlimited ("max", which removes the limit and still counts as set: it beats a policy's
// default). What `agentctl limit` stores and what the reconciler makes true. The fields are
// named as in cgroup::Limits (the kernel's memory.max, pids.max): one vocabulary.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "Controller.h"
#include "Error.h"
#include "Limits.h"

namespace agent::policies {

enum class Resource { Cpu, Memory, Pids };
inline constexpr Resource kResources[] = {Resource::Cpu, Resource::Memory, Resource::Pids};
std::string_view resourceName(Resource resource);  // "cpu", "memory", "pids"
std::optional<Resource> resourceNamed(std::string_view name);
cgroup::Controller controllerOf(Resource resource);

struct LimitSet {
  std::optional<cgroup::CpuQuota> cpu;
  std::optional<cgroup::Bound> memoryMax;
  std::optional<cgroup::Bound> pidsMax;

  bool empty() const { return !cpu && !memoryMax && !pidsMax; }
  bool has(Resource resource) const;
  // The set fields of `newer` replace ours.
  void merge(const LimitSet& newer);
  // A set with just `resource` of ours (unset if we do not set it).
  LimitSet only(Resource resource) const;
  // Canonical text of one resource ("50%", "256Mi", "100", "max"); "" when unset.
  std::string format(Resource resource) const;
  bool operator==(const LimitSet&) const = default;
};

// Whether `value`'s `resource` is above `ceiling`'s (unlimited is above every number).
// Both must set it. CPU compares CPUs (quota / period), so periods may differ.
bool exceeds(const LimitSet& value, const LimitSet& ceiling, Resource resource);

// `set`'s `resource` as the kernel will hold it (runtime/cgroup/KernelLimits.h): memory in
// whole pages of `pageSize` bytes, no limit at or above the kernel's cap; cpu and pids as
// given, or why the kernel would refuse them. `set` must set `resource`.
Result<LimitSet> kernelForm(const LimitSet& set, Resource resource, uint64_t pageSize);
// Whether `a` and `b` hold the same `resource` (unset in both counts as the same). CPU: no
// quota is the same whatever the period.
bool sameLimit(const LimitSet& a, const LimitSet& b, Resource resource);

// What the kernel shows for a group, in the same terms (unlimited where nothing is set).
LimitSet fromCgroupLimits(const cgroup::Limits& limits);
// The fields of `set` that are set, for Cgroup::applyLimits.
cgroup::Limits toCgroupLimits(const LimitSet& set);

// The one dispatch from a resource's name to its quantity parser (Quantity.h), shared by
// the JSON body of `limit`, `run`'s limits and the policy YAML: sets `resource` of `set`.
Result<void> setQuantity(LimitSet& set, Resource resource, std::string_view text, unsigned hostCpus);

// {"cpu": "50%", "memory": "max"}: set fields only, canonical text.
nlohmann::json toJson(const LimitSet& set);
// The same, parsed with the one quantity parser; unknown keys and non-strings are errors
// that name the key.
Result<LimitSet> limitSetFromJson(const nlohmann::json& json, unsigned hostCpus);

}  // namespace agent::policies
