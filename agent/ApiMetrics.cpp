#include "ApiMetrics.h"

#include "LabelText.h"

namespace agent {

std::string ApiMetrics::routeOf(const HttpRequest& request) {
  std::string route = request.method + " ";
  for (size_t i = 0; i < request.path.size(); ++i) {
    // /v1/<collection>/<id>/...: the id would make one series per container.
    route += "/" + (i == 2 && request.path[0] == "v1" ? std::string("{id}") : request.path[i]);
  }
  if (request.path.empty()) route += "/";
  return route;
}

void ApiMetrics::count(const HttpRequest& request, int status) {
  std::string route = routeOf(request);
  std::lock_guard lock(mutex_);
  ++counts_[{std::move(route), status}];
}

std::vector<prometheus::MetricFamily> ApiMetrics::Collect() const {
  prometheus::MetricFamily family{"agent_api_requests_total",
                                  "Requests to the control API, by route and status.",
                                  prometheus::MetricType::Counter,
                                  {}};
  std::lock_guard lock(mutex_);
  for (const auto& [key, value] : counts_) {
    prometheus::ClientMetric metric;
    // The route holds URL-decoded path segments of any request, even an unauthorized one: one
    // with invalid UTF-8 ("/%ff") would otherwise make Prometheus refuse every later scrape.
    metric.label = {{"route", collectors::utf8LabelValue(key.first)}, {"code", std::to_string(key.second)}};
    metric.counter.value = static_cast<double>(value);
    family.metric.push_back(std::move(metric));
  }
  if (family.metric.empty()) return {};
  return {std::move(family)};
}

}  // namespace agent
