#pragma once
// `agentctl stats` and `ps --all-cgroups` over HTTP: GET /v1/stats[?all_cgroups=1],
// GET /v1/containers/{id}/stats (id "-" with ?cgroup=PATH), GET /v1/containers?all_cgroups=1.
// Served from the collector's last snapshots (collectors/ContainerStats computes the rows),
// so they answer at once; this only turns rows into JSON.
#include <memory>

#include "HttpApi.h"
#include "LatestSnapshot.h"

namespace agent {

class StatsHandlers {
 public:
  explicit StatsHandlers(std::shared_ptr<LatestSnapshot> snapshots) : snapshots_(std::move(snapshots)) {}
  // GET /v1/stats: the agent's containers, or every discovered one with all_cgroups=1.
  HttpResponse all(const HttpRequest& request) const;
  // GET /v1/containers/{ref}/stats.
  HttpResponse one(const std::string& ref, const HttpRequest& request) const;
  // GET /v1/containers?all_cgroups=1: every discovered container, whoever started it.
  HttpResponse discovered(const HttpRequest& request) const;

 private:
  std::shared_ptr<LatestSnapshot> snapshots_;
};

}  // namespace agent
