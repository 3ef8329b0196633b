#include "StatsHandlers.h"

#include "DiscoveredRef.h"

#include <set>

#include "ContainerStats.h"

namespace agent {

using nlohmann::json;

namespace {

template <typename T>
json orNull(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json rowJson(const collectors::StatsRow& row) {
  return {{"id", row.id},
          {"name", row.name},
          {"runtime", std::string(collectors::runtimeName(row.runtime))},
          {"image", row.image},
          {"cgroup", row.cgroupPath},
          {"state", row.state},
          {"cpu_percent", orNull(row.cpuPercent)},
          {"memory_usage_bytes", orNull(row.memoryUsageBytes)},
          {"memory_limit_bytes", orNull(row.memoryLimitBytes)},
          {"memory_limited", row.memoryLimited},
          {"memory_percent", orNull(row.memoryPercent)},
          {"pids", orNull(row.pids)},
          {"pids_limit", orNull(row.pidsLimit)},
          {"throttled_percent", orNull(row.throttledPercent)},
          {"net_rx_bytes", row.netRxBytes},
          {"net_tx_bytes", row.netTxBytes},
          {"block_read_bytes", row.blockReadBytes},
          {"block_write_bytes", row.blockWriteBytes}};
}

// When the numbers were taken, and over which window the rates are.
json windowJson(const LatestSnapshot::WithPrevious& pair) {
  json j = {{"taken_at_unix_ms", pair.latest->takenAtUnixMs}, {"cpus", pair.latest->machineCpuCores}};
  j["window_ms"] = pair.previous ? json(pair.latest->takenAtUnixMs - pair.previous->takenAtUnixMs) : json(nullptr);
  return j;
}

HttpResponse notReady() {
  return errorResponse(503, "internal", "agentd has not collected yet; try again in a second");
}

}  // namespace

HttpResponse StatsHandlers::all(const HttpRequest& request) const {
  auto pair = snapshots_->withPrevious();
  if (!pair.latest) return notReady();
  auto scope =
      request.queryValue("all_cgroups") == "1" ? collectors::StatsScope::AllContainers : collectors::StatsScope::Agent;
  json rows = json::array();
  for (const auto& row : collectors::statsRows(*pair.latest, pair.previous.get(), scope)) rows.push_back(rowJson(row));
  json body = windowJson(pair);
  body["containers"] = std::move(rows);
  return {200, std::move(body)};
}

HttpResponse StatsHandlers::one(const std::string& ref, const HttpRequest& request) const {
  auto pair = snapshots_->withPrevious();
  if (!pair.latest) return notReady();
  // A cgroup path cannot travel in the path: GET /v1/containers/-/stats?cgroup=/docker/<id>.
  std::string cgroupPath = request.queryValue("cgroup");
  const std::string& wanted = ref == "-" && !cgroupPath.empty() ? cgroupPath : ref;
  auto found = collectors::statsRowFor(*pair.latest, pair.previous.get(), wanted);
  if (!found.row && found.matches.empty()) {
    // Made or renamed a moment ago (`docker run` then `agentctl stats web`): not in the last
    // snapshot yet. One taken now has it (without a CPU figure until the next).
    snapshots_->refreshNow();
    pair = snapshots_->withPrevious();
    found = collectors::statsRowFor(*pair.latest, pair.previous.get(), wanted);
  }
  if (!found.matches.empty()) return errorResponse(409, "conflict", collectors::severalText(wanted, found.matches));
  if (!found.row) {
    return errorResponse(404, "not_found",
                         "no container \"" + wanted + "\"; agentctl ps --all-cgroups lists the containers agentd sees");
  }
  json body = rowJson(*found.row);
  body.update(windowJson(pair));
  return {200, std::move(body)};
}

HttpResponse StatsHandlers::discovered(const HttpRequest& request) const {
  auto latest = snapshots_->latest();
  if (!latest) return notReady();
  json items = json::array();
  std::set<std::string> withCgroup;
  for (const auto& row : collectors::statsRows(*latest, nullptr, collectors::StatsScope::AllContainers)) {
    if (row.runtime == collectors::Runtime::Agent) withCgroup.insert(row.id);
    items.push_back({{"runtime", std::string(collectors::runtimeName(row.runtime))},
                     {"id", row.id},
                     {"name", row.name},
                     {"image", row.image},
                     {"state", row.state},
                     {"cgroup", row.cgroupPath}});
  }
  // The agent's containers without a cgroup (stopped) only when asked, as `ps -a`.
  if (request.queryValue("all") == "1" && latest->agentContainers) {
    for (const auto& [id, info] : *latest->agentContainers) {
      if (withCgroup.count(id)) continue;
      items.push_back({{"runtime", "agent"},
                       {"id", id},
                       {"name", info.name},
                       {"image", info.image},
                       {"state", info.state},
                       {"cgroup", ""}});
    }
  }
  return {200, std::move(items)};
}

}  // namespace agent
