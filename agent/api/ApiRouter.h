#pragma once
// The control API's routes: METHOD + a path pattern ("/v1/containers/{id}/logs") -> a
// handler. A path no pattern matches is 404, one that matches with another method 405
// naming the methods it takes. Adding a route is one add() in ApiRoutes.cpp.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "HttpApi.h"

namespace agent {

// The {name} parts of the pattern a request matched: {"id": "web-1"}.
using PathParams = std::map<std::string, std::string>;

class ApiRouter {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&, const PathParams&)>;
  void add(std::string method, const std::string& pattern, Handler handler);
  HttpResponse route(const HttpRequest& request) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> parts;  // "{id}" matches any one segment
    Handler handler;
  };
  static bool matches(const Route& route, const std::vector<std::string>& path, PathParams& params);
  std::vector<Route> routes_;
};

}  // namespace agent
