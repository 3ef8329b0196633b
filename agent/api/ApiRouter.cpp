#include "ApiRouter.h"

namespace agent {

namespace {

std::vector<std::string> segments(const std::string& pattern) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < pattern.size()) {
    size_t slash = pattern.find('/', at);
    if (slash == std::string::npos) slash = pattern.size();
    if (slash > at) out.push_back(pattern.substr(at, slash - at));
    at = slash + 1;
  }
  return out;
}

bool isParameter(const std::string& part) {
  return part.size() > 2 && part.front() == '{' && part.back() == '}';
}

std::string pathText(const std::vector<std::string>& path) {
  std::string text;
  for (const auto& part : path) text += "/" + part;
  return text.empty() ? "/" : text;
}

}  // namespace

void ApiRouter::add(std::string method, const std::string& pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), pattern, segments(pattern), std::move(handler)});
}

bool ApiRouter::matches(const Route& route, const std::vector<std::string>& path, PathParams& params) {
  if (route.parts.size() != path.size()) return false;
  PathParams found;
  for (size_t i = 0; i < path.size(); ++i) {
    if (isParameter(route.parts[i]))
      found[route.parts[i].substr(1, route.parts[i].size() - 2)] = path[i];
    else if (route.parts[i] != path[i])
      return false;
  }
  params = std::move(found);
  return true;
}

HttpResponse ApiRouter::route(const HttpRequest& request) const {
  std::string allowed;
  for (const auto& route : routes_) {
    PathParams params;
    if (!matches(route, request.path, params)) continue;
    if (route.method == request.method) return route.handler(request, params);
    if (allowed.find(route.method) == std::string::npos) allowed += (allowed.empty() ? "" : " or ") + route.method;
  }
  std::string path = pathText(request.path);
  if (!allowed.empty()) {
    return errorResponse(405, "invalid",
                         request.method + " is not served on " + path + "; use " + allowed + " (docs/agentd.md)");
  }
  return errorResponse(404, "not_found",
                       "agentd serves no " + request.method + " " + path + "; its routes are in docs/agentd.md");
}

}  // namespace agent
