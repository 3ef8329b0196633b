#include "ContainerStats.h"

#include "DiscoveredRef.h"

#include <algorithm>
#include <unordered_map>

namespace agent::collectors {

namespace {

// The later counter minus the earlier; nothing when either is unknown or it went back.
std::optional<uint64_t> increase(const std::optional<uint64_t>& before, const std::optional<uint64_t>& after) {
  if (!before || !after || *after < *before) return std::nullopt;
  return *after - *before;
}

std::string stateOf(const CgroupSample& s) {
  if (!s.agentState.empty()) return s.agentState;
  return s.freezer && *s.freezer != cgroup::FreezerState::Thawed ? "paused" : "running";
}

void fillUsage(const CgroupSample& s, uint64_t machineMemoryBytes, StatsRow& row) {
  const auto& memory = s.stats.memory;
  row.memoryUsageBytes = memory.workingSetBytes ? memory.workingSetBytes : memory.usageBytes;
  if (s.limits.memoryMax && s.limits.memoryMax->value) {
    row.memoryLimitBytes = *s.limits.memoryMax->value;
    row.memoryLimited = true;
  } else if (machineMemoryBytes > 0) {
    row.memoryLimitBytes = machineMemoryBytes;
  }
  if (row.memoryUsageBytes && row.memoryLimitBytes && *row.memoryLimitBytes > 0)
    row.memoryPercent = 100.0 * static_cast<double>(*row.memoryUsageBytes) / static_cast<double>(*row.memoryLimitBytes);
  row.pids = s.stats.pids.current;
  if (s.stats.pids.max) row.pidsLimit = s.stats.pids.max->value;
  for (const auto& net : s.network) {
    if (net.interface == "lo") continue;
    row.netRxBytes += net.rxBytes;
    row.netTxBytes += net.txBytes;
  }
  for (const auto& device : s.stats.io) {
    row.blockReadBytes += device.readBytes.value_or(0);
    row.blockWriteBytes += device.writeBytes.value_or(0);
  }
}

void fillRates(const CgroupSample& now, const CgroupSample& before, int64_t windowMs, StatsRow& row) {
  if (windowMs <= 0) return;
  if (auto used = increase(before.stats.cpu.usageNs, now.stats.cpu.usageNs))
    row.cpuPercent = 100.0 * static_cast<double>(*used) / (static_cast<double>(windowMs) * 1e6);
  auto periods = increase(before.stats.cpu.periods, now.stats.cpu.periods);
  auto throttled = increase(before.stats.cpu.throttledPeriods, now.stats.cpu.throttledPeriods);
  if (periods && throttled)
    row.throttledPercent =
        *periods == 0 ? 0.0
                      : 100.0 * static_cast<double>(std::min(*throttled, *periods)) / static_cast<double>(*periods);
}

StatsRow rowOf(const CgroupSample& s, const Snapshot& latest, const CgroupSample* before, int64_t windowMs) {
  StatsRow row;
  row.runtime = s.classification.runtime;
  row.id = s.classification.id;
  row.name = s.name;
  row.image = s.image;
  row.cgroupPath = s.path;
  row.state = stateOf(s);
  fillUsage(s, latest.machineMemoryBytes, row);
  if (before) fillRates(s, *before, windowMs, row);
  return row;
}

bool inScope(const CgroupSample& s, StatsScope scope) {
  auto runtime = s.classification.runtime;
  return scope == StatsScope::AllContainers ? isContainerRuntime(runtime) : runtime == Runtime::Agent;
}

const CgroupSample* samplePrevious(const Snapshot* previous, const std::string& path) {
  if (!previous) return nullptr;
  for (const auto& s : previous->cgroups)
    if (s.path == path) return &s;
  return nullptr;
}

int64_t windowMs(const Snapshot& latest, const Snapshot* previous) {
  return previous ? latest.takenAtUnixMs - previous->takenAtUnixMs : 0;
}

// The agent's container without a cgroup in the snapshot (stopped, or not started yet).
StatsRow rowWithoutCgroup(const std::string& id, const AgentContainerInfo& info) {
  StatsRow row;
  row.runtime = Runtime::Agent;
  row.id = id;
  row.name = info.name;
  row.image = info.image;
  row.state = info.state;
  return row;
}

}  // namespace

std::vector<StatsRow> statsRows(const Snapshot& latest, const Snapshot* previous, StatsScope scope) {
  std::unordered_map<std::string_view, const CgroupSample*> before;
  if (previous) {
    for (const auto& s : previous->cgroups)
      if (inScope(s, scope)) before.emplace(s.path, &s);
  }
  int64_t window = windowMs(latest, previous);
  std::vector<StatsRow> rows;
  for (const auto& s : latest.cgroups) {
    if (!inScope(s, scope)) continue;
    auto found = before.find(s.path);
    rows.push_back(rowOf(s, latest, found == before.end() ? nullptr : found->second, window));
  }
  return rows;
}

StatsLookup statsRowFor(const Snapshot& latest, const Snapshot* previous, std::string_view ref) {
  StatsLookup out;
  if (ref.empty()) return out;
  // The agent's containers first, as the rest of the API finds them: an exact id or name
  // wins over a prefix.
  if (latest.agentContainers) {
    const auto& agent = *latest.agentContainers;
    std::vector<std::string> prefixed;
    const std::string* exact = nullptr;
    for (const auto& [id, info] : agent) {
      if (id == ref || info.name == ref) {
        exact = &id;
        break;
      }
      if (id.compare(0, ref.size(), ref) == 0) prefixed.push_back(id);
    }
    if (!exact && prefixed.size() == 1) exact = &prefixed.front();
    if (!exact && prefixed.size() > 1) {
      for (const auto& id : prefixed) out.matches.push_back(agent.at(id).name);
      return out;
    }
    if (exact) {
      for (const auto& s : latest.cgroups) {
        if (s.classification.runtime == Runtime::Agent && s.classification.id == *exact) {
          out.row = rowOf(s, latest, samplePrevious(previous, s.path), windowMs(latest, previous));
          return out;
        }
      }
      out.row = rowWithoutCgroup(*exact, agent.at(*exact));
      return out;
    }
  }
  // An agent container's cgroup path, then other runtimes' containers (DiscoveredRef.h).
  const CgroupSample* found = nullptr;
  for (const auto& s : latest.cgroups) {
    if (s.classification.runtime == Runtime::Agent && s.path == ref) found = &s;
  }
  if (!found) {
    auto discovered = findDiscovered(latest, ref);
    out.matches = std::move(discovered.several);
    found = discovered.found;
  }
  if (found) out.row = rowOf(*found, latest, samplePrevious(previous, found->path), windowMs(latest, previous));
  return out;
}

}  // namespace agent::collectors
