#pragma once
// agent_api_requests_total{route,code}: the control API's requests by route (the method and
// the path with the container or image id as {id}) and HTTP status, for /metrics.
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "HttpApi.h"

namespace agent {

class ApiMetrics : public prometheus::Collectable {
 public:
  void count(const HttpRequest& request, int status);
  std::vector<prometheus::MetricFamily> Collect() const override;
  // "GET /v1/containers/{id}/logs" for GET /v1/containers/web-1/logs; a path outside the
  // API's shapes is "other", so the series stay few whatever clients send.
  static std::string routeOf(const HttpRequest& request);

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> counts_;
};

}  // namespace agent
