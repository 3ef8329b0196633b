#pragma once
// `agentctl stats`: one row per container, made from the collector's last two snapshots, so
// it answers at once (docker stats waits for two samples of its own). Rates (CPU %,
// THROTTLED %) are the change between the two snapshots over the time between them; the
// rest is the latest snapshot's. No HTTP here: agent/StatsApi turns rows into JSON.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "Snapshot.h"

namespace agent::collectors {

enum class StatsScope {
  Agent,          // the agent's own containers
  AllContainers,  // every discovered container: the agent's and other engines' (docker, ...)
};

struct StatsRow {
  Runtime runtime = Runtime::Other;
  std::string id;          // the agent's id; another engine's container id (or lxc name)
  std::string name;        // as its engine names it
  std::string image;       // the agent's containers only
  std::string cgroupPath;  // "" for an agent container that has none (stopped)
  std::string state;       // running, paused; the agent's also created, stopped
  // 100 = one CPU busy for the whole window (as docker and top). Unknown when the container
  // is not in the previous snapshot (new), its counter went back (a new cgroup under the
  // same path), or there is no previous snapshot yet.
  std::optional<double> cpuPercent;
  // Usage without the inactive page cache (the working set), as docker stats shows it.
  std::optional<uint64_t> memoryUsageBytes;
  // The cgroup's memory limit; the host's memory when it has none (as docker).
  std::optional<uint64_t> memoryLimitBytes;
  bool memoryLimited = false;
  std::optional<double> memoryPercent;
  std::optional<uint64_t> pids;
  std::optional<uint64_t> pidsLimit;  // nullopt: no limit (or no pids controller)
  // The share of the window's CFS periods in which the group used up its quota.
  std::optional<double> throttledPercent;
  // The container's own interfaces, lo left out (as docker): 0 for --net none and host.
  uint64_t netRxBytes = 0, netTxBytes = 0;
  // Over every block device; 0 before the first I/O (the kernel lists no device until then).
  uint64_t blockReadBytes = 0, blockWriteBytes = 0;
};

// The container samples of `scope` in `latest` ("/" and plain cgroups never), in the
// snapshot's order, with rates against `previous` (null: none yet).
std::vector<StatsRow> statsRows(const Snapshot& latest, const Snapshot* previous, StatsScope scope);

// One container by what a user types: the agent's by full id, unique id prefix or name (a
// stopped one too, then only its state is known); another engine's by full id, 12 characters
// or more of it, or name; any by its cgroup path.
struct StatsLookup {
  std::optional<StatsRow> row;
  std::vector<std::string> matches;  // when the reference fits several: "docker 3f2a1b2c3d4e (db)" each
};
StatsLookup statsRowFor(const Snapshot& latest, const Snapshot* previous, std::string_view ref);

}  // namespace agent::collectors
