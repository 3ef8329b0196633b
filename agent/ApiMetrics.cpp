#include "ApiMetrics.h"

#include <set>

#include "LabelText.h"

namespace agent {

namespace {

// The words a route of the API may hold (SPEC.md, Control API). Anything else a client sends
// (a typo, a scanner, any unauthenticated path) is counted as "other": a label made of the
// request's own path would give one series per distinct path, without bound.
bool isKnownWord(const std::string& word) {
  static const std::set<std::string> kWords = {"healthz", "info",   "containers", "images", "policies", "stats",
                                               "start",   "stop",   "kill",       "pause",  "resume",   "exec",
                                               "limits",  "logs",   "attach",     "wait",   "validate", "reload",
                                               "load",    "import", "tag",        "prune",  "inspect"};
  return kWords.count(word) > 0;
}

bool isKnownMethod(const std::string& method) {
  return method == "GET" || method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE" ||
         method == "HEAD";
}

}  // namespace

std::string ApiMetrics::routeOf(const HttpRequest& request) {
  std::string route = (isKnownMethod(request.method) ? request.method : std::string("OTHER")) + " ";
  const auto& path = request.path;
  bool v1 = !path.empty() && path[0] == "v1";
  if (path.empty()) return route + "/";
  if (path.size() == 1 && path[0] == "healthz") return route + "/healthz";
  if (!v1 || path.size() > 4) return route + "other";
  route += "/v1";
  for (size_t i = 1; i < path.size(); ++i) {
    // /v1/<collection>/<id>/...: the id would make one series per container.
    if (i == 2)
      route += "/{id}";
    else if (isKnownWord(path[i]))
      route += "/" + path[i];
    else
      return route + "/other";
  }
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
