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
      return memory.has_value();
    case Resource::Pids:
      return pids.has_value();
  }
  return false;
}

void LimitSet::merge(const LimitSet& newer) {
  if (newer.cpu) cpu = newer.cpu;
  if (newer.memory) memory = newer.memory;
  if (newer.pids) pids = newer.pids;
}

LimitSet LimitSet::only(Resource resource) const {
  LimitSet one;
  if (resource == Resource::Cpu) one.cpu = cpu;
  if (resource == Resource::Memory) one.memory = memory;
  if (resource == Resource::Pids) one.pids = pids;
  return one;
}

std::string LimitSet::format(Resource resource) const {
  switch (resource) {
    case Resource::Cpu:
      return cpu ? formatCpu(*cpu) : "";
    case Resource::Memory:
      return memory ? formatMemory(*memory) : "";
    case Resource::Pids:
      return pids ? formatPids(*pids) : "";
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
      return set.memory->value ? static_cast<double>(*set.memory->value) : kUnlimited;
    case Resource::Pids:
      return set.pids->value ? static_cast<double>(*set.pids->value) : kUnlimited;
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
      one.memory = cgroup::normalizeMemory(*set.memory, pageSize);
      break;
    case Resource::Pids: {
      auto pids = cgroup::normalizePids(*set.pids);
      if (!pids) return tl::unexpected(pids.error());
      one.pids = *pids;
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
      return a.memory == b.memory;
    case Resource::Pids:
      return a.pids == b.pids;
  }
  return false;
}

LimitSet fromCgroupLimits(const cgroup::Limits& limits) {
  LimitSet set;
  set.cpu = limits.cpu.value_or(cgroup::CpuQuota{cgroup::Bound::unlimited(), cgroup::kDefaultCpuPeriodUs});
  set.memory = limits.memoryMax.value_or(cgroup::Bound::unlimited());
  set.pids = limits.pidsMax.value_or(cgroup::Bound::unlimited());
  return set;
}

cgroup::Limits toCgroupLimits(const LimitSet& set) {
  cgroup::Limits limits;
  limits.cpu = set.cpu;
  limits.memoryMax = set.memory;
  limits.pidsMax = set.pids;
  return limits;
}

nlohmann::json toJson(const LimitSet& set) {
  nlohmann::json j = nlohmann::json::object();
  for (Resource r : kResources)
    if (set.has(r)) j[std::string(resourceName(r))] = set.format(r);
  return j;
}

Result<LimitSet> limitSetFromJson(const nlohmann::json& json, unsigned hostCpus) {
  if (!json.is_object()) return logicError("read limits (expected an object such as {\"cpu\": \"50%\"})", "", EINVAL);
  LimitSet set;
  for (const auto& [key, value] : json.items()) {
    if (!value.is_string()) {
      return logicError("read limits (`" + key + "` must be a string such as \"50%\", \"256Mi\", \"100\" or \"max\")",
                        "", EINVAL);
    }
    std::string text = value.get<std::string>();
    if (key == "cpu") {
      auto cpu = parseCpu(text, hostCpus);
      if (!cpu) return tl::unexpected(cpu.error());
      set.cpu = *cpu;
    } else if (key == "memory") {
      auto memory = parseMemory(text);
      if (!memory) return tl::unexpected(memory.error());
      set.memory = *memory;
    } else if (key == "pids") {
      auto pids = parsePids(text);
      if (!pids) return tl::unexpected(pids.error());
      set.pids = *pids;
    } else {
      return logicError("read limits (unknown resource `" + key + "`; known: cpu, memory, pids)", "", EINVAL);
    }
  }
  return set;
}

}  // namespace agent::policies
