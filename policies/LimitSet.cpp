#include "LimitSet.h"

#include <limits>

#include "KernelLimits.h"
#include "Quantity.h"

namespace agent::policies {

std::string_view resourceName(Resource resource) {
  switch (resource) {
    case Resource::Cpu:
      return "cpu";
    case Resource::Memory:
      return "memory";
    case Resource::Pids:
      return "pids";
  }
  return "?";
}

std::optional<Resource> resourceNamed(std::string_view name) {
  for (Resource r : kResources)
    if (resourceName(r) == name) return r;
  return std::nullopt;
}

cgroup::Controller controllerOf(Resource resource) {
  switch (resource) {
    case Resource::Cpu:
      return cgroup::Controller::Cpu;
    case Resource::Memory:
      return cgroup::Controller::Memory;
    case Resource::Pids:
      return cgroup::Controller::Pids;
  }
  return cgroup::Controller::Cpu;
}

bool LimitSet::has(Resource resource) const {
  switch (resource) {
    case Resource::Cpu:
      return cpu.has_value();
    case Resource::Memory:
      return memoryMax.has_value();
    case Resource::Pids:
      return pidsMax.has_value();
  }
  return false;
}

void LimitSet::merge(const LimitSet& newer) {
  if (newer.cpu) cpu = newer.cpu;
  if (newer.memoryMax) memoryMax = newer.memoryMax;
  if (newer.pidsMax) pidsMax = newer.pidsMax;
}

LimitSet LimitSet::only(Resource resource) const {
  LimitSet one;
  if (resource == Resource::Cpu) one.cpu = cpu;
  if (resource == Resource::Memory) one.memoryMax = memoryMax;
  if (resource == Resource::Pids) one.pidsMax = pidsMax;
  return one;
}

std::string LimitSet::format(Resource resource) const {
  switch (resource) {
    case Resource::Cpu:
      return cpu ? formatCpu(*cpu) : "";
    case Resource::Memory:
      return memoryMax ? formatMemory(*memoryMax) : "";
    case Resource::Pids:
      return pidsMax ? formatPids(*pidsMax) : "";
  }
  return "";
}

namespace {
// Unlimited as +infinity, so that comparisons need no cases.
double magnitude(const LimitSet& set, Resource resource) {
  constexpr double kUnlimited = std::numeric_limits<double>::infinity();
  switch (resource) {
    case Resource::Cpu:
      return set.cpu->cpus().value_or(kUnlimited);
    case Resource::Memory:
      return set.memoryMax->value ? static_cast<double>(*set.memoryMax->value) : kUnlimited;
    case Resource::Pids:
      return set.pidsMax->value ? static_cast<double>(*set.pidsMax->value) : kUnlimited;
  }
  return kUnlimited;
}
}  // namespace

bool exceeds(const LimitSet& value, const LimitSet& ceiling, Resource resource) {
  return magnitude(value, resource) > magnitude(ceiling, resource);
}

Result<LimitSet> kernelForm(const LimitSet& set, Resource resource, uint64_t pageSize) {
  LimitSet one;
  switch (resource) {
    case Resource::Cpu: {
      auto cpu = cgroup::normalizeCpuQuota(*set.cpu);
      if (!cpu) return tl::unexpected(cpu.error());
      one.cpu = *cpu;
      break;
    }
    case Resource::Memory:
      one.memoryMax = cgroup::normalizeMemory(*set.memoryMax, pageSize);
      break;
    case Resource::Pids: {
      auto pids = cgroup::normalizePids(*set.pidsMax);
      if (!pids) return tl::unexpected(pids.error());
      one.pidsMax = *pids;
      break;
    }
  }
  return one;
}

bool sameLimit(const LimitSet& a, const LimitSet& b, Resource resource) {
  switch (resource) {
    case Resource::Cpu:
      if (a.cpu && b.cpu && a.cpu->quotaUs.isUnlimited() && b.cpu->quotaUs.isUnlimited()) return true;
      return a.cpu == b.cpu;
    case Resource::Memory:
      return a.memoryMax == b.memoryMax;
    case Resource::Pids:
      return a.pidsMax == b.pidsMax;
  }
  return false;
}

LimitSet fromCgroupLimits(const cgroup::Limits& limits) {
  LimitSet set;
  set.cpu = limits.cpu.value_or(cgroup::CpuQuota{cgroup::Bound::unlimited(), cgroup::kDefaultCpuPeriodUs});
  set.memoryMax = limits.memoryMax.value_or(cgroup::Bound::unlimited());
  set.pidsMax = limits.pidsMax.value_or(cgroup::Bound::unlimited());
  return set;
}

cgroup::Limits toCgroupLimits(const LimitSet& set) {
  cgroup::Limits limits;
  limits.cpu = set.cpu;
  limits.memoryMax = set.memoryMax;
  limits.pidsMax = set.pidsMax;
  return limits;
}

nlohmann::json toJson(const LimitSet& set) {
  nlohmann::json j = nlohmann::json::object();
  for (Resource r : kResources)
    if (set.has(r)) j[std::string(resourceName(r))] = set.format(r);
  return j;
}

Result<void> setQuantity(LimitSet& set, Resource resource, std::string_view text, unsigned hostCpus) {
  switch (resource) {
    case Resource::Cpu: {
      auto cpu = parseCpu(text, hostCpus);
      if (!cpu) return tl::unexpected(cpu.error());
      set.cpu = *cpu;
      return {};
    }
    case Resource::Memory: {
      auto memory = parseMemory(text);
      if (!memory) return tl::unexpected(memory.error());
      set.memoryMax = *memory;
      return {};
    }
    case Resource::Pids: {
      auto pids = parsePids(text);
      if (!pids) return tl::unexpected(pids.error());
      set.pidsMax = *pids;
      return {};
    }
  }
  return {};
}

Result<LimitSet> limitSetFromJson(const nlohmann::json& json, unsigned hostCpus) {
  if (!json.is_object()) return userError("limits must be a JSON object, e.g. {\"cpu\": \"50%\"}");
  LimitSet set;
  for (const auto& [key, value] : json.items()) {
    auto resource = resourceNamed(key);
    if (!resource)
      return userError("unknown resource " + quotedForMessage(key, kShownQuantityBytes) + "; give cpu, memory or pids");
    if (!value.is_string()) {
      return userError(key + " must be a string such as \"50%\", \"256Mi\", \"100\" or \"max\", not " +
                       std::string(value.type_name()));
    }
    if (auto parsed = setQuantity(set, *resource, value.get<std::string>(), hostCpus); !parsed)
      return tl::unexpected(parsed.error());
  }
  return set;
}

}  // namespace agent::policies
