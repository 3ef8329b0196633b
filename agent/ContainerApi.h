#pragma once
// The control API's container routes (SPEC.md "Control API"), over ContainerRuntime.
#include "ContainerRuntime.h"
#include "HttpApi.h"
#include "LimitsApi.h"
#include "PolicyApi.h"
#include "StatsApi.h"

namespace agent {

class ContainerApi {
 public:
  ContainerApi(container::ContainerRuntime& runtime, const cgroup::Hierarchy& hierarchy)
      : runtime_(runtime), hierarchy_(hierarchy) {}
  HttpResponse handle(const HttpRequest& request);
  // PATCH .../limits, the run limits kept as overrides, overrides dropped on removal.
  void setLimitsApi(LimitsApi* limits) { limits_ = limits; }
  void setPolicyApi(PolicyApi* policies) { policies_ = policies; }
  // GET /v1/stats, GET .../{id}/stats, GET /v1/containers?all_cgroups=1.
  void setStatsApi(const StatsApi* stats) { stats_ = stats; }

 private:
  HttpResponse info();
  HttpResponse create(const HttpRequest& request);
  HttpResponse action(const std::string& id, const std::string& verb, const HttpRequest& request);
  HttpResponse logs(const std::string& id, const HttpRequest& request);
  HttpResponse attach(const std::string& id, const HttpRequest& request);
  HttpResponse follow(const std::string& id, const HttpRequest& request, bool removeWhenStopped);
  HttpResponse images(const HttpRequest& request);
  nlohmann::json describe(const container::ContainerInfo& info);

  container::ContainerRuntime& runtime_;
  const cgroup::Hierarchy& hierarchy_;
  LimitsApi* limits_ = nullptr;
  PolicyApi* policies_ = nullptr;
  const StatsApi* stats_ = nullptr;
};

// SIGKILL, KILL, kill, 9 -> 9; 0 when unknown.
int signalNumber(const std::string& name);

}  // namespace agent
