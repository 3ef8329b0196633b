// The control API's router (agent/api/ApiRouter): patterns with {parameters}, 404 for a path
// no route has, 405 naming the methods a path takes.
#include "ApiRouter.h"

#include <gtest/gtest.h>

namespace agent {
namespace {

HttpRequest request(std::string method, std::vector<std::string> path) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

ApiRouter routerSaying() {
  ApiRouter router;
  auto say = [](std::string what) {
    return [what](const HttpRequest&, const PathParams& p) {
      std::string text = what;
      for (const auto& [name, value] : p) text += " " + name + "=" + value;
      return HttpResponse{200, text};
    };
  };
  router.add("GET", "/v1/containers", say("list"));
  router.add("POST", "/v1/containers", say("create"));
  router.add("GET", "/v1/containers/{id}", say("inspect"));
  router.add("GET", "/v1/containers/{id}/logs", say("logs"));
  router.add("PATCH", "/v1/containers/{id}/limits", say("limit"));
  return router;
}

TEST(ApiRouter, CallsTheRouteOfTheMethodAndPathWithItsParameters) {
  ApiRouter router = routerSaying();
  EXPECT_EQ(router.route(request("GET", {"v1", "containers"})).body, "list");
  EXPECT_EQ(router.route(request("POST", {"v1", "containers"})).body, "create");
  EXPECT_EQ(router.route(request("GET", {"v1", "containers", "web-1"})).body, "inspect id=web-1");
  EXPECT_EQ(router.route(request("GET", {"v1", "containers", "web-1", "logs"})).body, "logs id=web-1");
  EXPECT_EQ(router.route(request("PATCH", {"v1", "containers", "-", "limits"})).body, "limit id=-");
}

TEST(ApiRouter, AddingARouteIsOneLine) {
  ApiRouter router = routerSaying();
  EXPECT_EQ(router.route(request("GET", {"v1", "stats"})).status, 404);
  router.add("GET", "/v1/stats", [](const HttpRequest&, const PathParams&) { return HttpResponse{200, "stats"}; });
  EXPECT_EQ(router.route(request("GET", {"v1", "stats"})).body, "stats");
}

TEST(ApiRouter, APathWithoutARouteIsNotFoundAndSaysWhereTheRoutesAre) {
  ApiRouter router = routerSaying();
  for (auto path : {std::vector<std::string>{},
                    {"v1"},
                    {"v2", "containers"},
                    {"v1", "containers", "x", "y", "z"},
                    {"v1", "containers", "x", "nope"}}) {
    auto response = router.route(request("GET", path));
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body["code"], "not_found");
  }
  EXPECT_EQ(router.route(request("GET", {"v1", "nope"})).body["error"],
            "agentd serves no GET /v1/nope; its routes are in docs/agentd.md");
}

TEST(ApiRouter, AKnownPathWithAnotherMethodNamesTheMethodsItTakes) {
  ApiRouter router = routerSaying();
  auto response = router.route(request("DELETE", {"v1", "containers"}));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.body["error"], "DELETE is not served on /v1/containers; use GET or POST (docs/agentd.md)");
  response = router.route(request("GET", {"v1", "containers", "web", "limits"}));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.body["error"], "GET is not served on /v1/containers/web/limits; use PATCH (docs/agentd.md)");
}

}  // namespace
}  // namespace agent
