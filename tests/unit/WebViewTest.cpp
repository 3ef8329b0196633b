// The web view's pages from plain values: every engine-supplied string escaped, the figures in
// the DOM as text and as data-* numbers, the limit's source shown, controls only where they
// are allowed, the charts' SVG; and its routes' refusals (404, 405, 401, 403) before any handler.
#include "WebView.h"

#include <gtest/gtest.h>

#include <cmath>

#include "WebViewHtml.h"

namespace agent::web {
namespace {

size_t count(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

HostView host(bool controls) {
  return HostView{.hostname = "node<1>",
                  .version = "0.9",
                  .cgroupMode = "hybrid",
                  .cpus = 2,
                  .memoryBytes = 8ull << 30,
                  .takenAtUnixMs = 1'764'600'000'000,
                  .controls = controls,
                  .controlsOff = "off: <beyond loopback>",
                  .refreshSeconds = 0};
}

ContainerView hostile() {
  ContainerView c;
  c.id = std::string(32, 'a');
  c.name = "<script>alert(1)</script>";
  c.runtime = "agent";
  c.image = "evil\" onmouseover=\"x";
  c.state = "running";
  c.cgroupPath = "/agent/" + c.id;
  c.cpuPercent = 50.1234;
  c.memoryBytes = 3 << 20;
  c.pids = 4;
  c.cpu = {0.5, "override"};
  c.memory = {256.0 * (1 << 20), "policy <web>"};
  c.pidsLimit = {100, ""};
  c.labels = {{"team", "a&b 'c'"}};
  return c;
}

TEST(WebViewHtml, EscapesEverythingThatComesFromTheEngines) {
  EXPECT_EQ(escapeHtml("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(escapePathSegment("a b/../c%"), "a%20b%2F..%2Fc%25");
  std::string html = renderOverview(host(true), {hostile()});
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("onmouseover=\"x"), std::string::npos);
  EXPECT_NE(html.find("evil&quot; onmouseover=&quot;x"), std::string::npos);
  EXPECT_NE(html.find("<h1><a href=\"/\">node&lt;1&gt;</a></h1>"), std::string::npos);
  EXPECT_NE(html.find("policy &lt;web&gt;"), std::string::npos);
  // The only <script is the page's own file.
  EXPECT_EQ(count(html, "<script"), 1u);
  EXPECT_NE(html.find("<script src=\"/web/view.js\" defer></script>"), std::string::npos);
  std::string page = renderContainerPage(host(true), hostile(), std::nullopt);
  EXPECT_NE(page.find("<dd class=\"label\">a&amp;b &#39;c&#39;</dd>"), std::string::npos);
  EXPECT_EQ(count(page, "<script"), 1u);
}

TEST(WebViewHtml, ShowsEachFigureAsTextAndAsANumberWithWhatSetTheLimit) {
  std::string html = renderOverview(host(true), {hostile()});
  EXPECT_NE(html.find("data-cpu-percent=\"50.12\""), std::string::npos);
  EXPECT_NE(html.find("50.1 %"), std::string::npos);
  EXPECT_NE(html.find("data-cpu-limit-cpus=\"0.500\""), std::string::npos);
  EXPECT_NE(html.find("of 50 %"), std::string::npos);
  EXPECT_NE(html.find("data-memory-bytes=\"3145728\""), std::string::npos);
  EXPECT_NE(html.find("3.0 MiB <span class=\"of\">of 256.0 MiB</span>"), std::string::npos);
  EXPECT_NE(html.find("data-pids=\"4\" data-pids-limit=\"100\">4 <span class=\"of\">of 100</span>"), std::string::npos);
  EXPECT_NE(html.find("data-source=\"override\""), std::string::npos);
  EXPECT_NE(html.find("<caption>1 containers</caption>"), std::string::npos);
  ContainerView unknown = hostile();
  unknown.cpuPercent.reset();
  unknown.memory = {};
  html = renderOverview(host(true), {unknown});
  EXPECT_EQ(html.find("data-cpu-percent"), std::string::npos);  // not 0: unknown
  EXPECT_NE(html.find("no limit"), std::string::npos);
}

TEST(WebViewHtml, ControlsOnlyWhereAllowedAndOnlyForTheAgentsContainers) {
  ContainerView c = hostile();
  std::string on = renderOverview(host(true), {c});
  EXPECT_NE(on.find("action=\"/ui/containers/" + c.id + "/pause\""), std::string::npos);
  EXPECT_NE(on.find("id=\"token-form\""), std::string::npos);
  c.paused = true;
  EXPECT_NE(renderOverview(host(true), {c}).find("/resume\""), std::string::npos);
  std::string off = renderOverview(host(false), {c});
  EXPECT_EQ(off.find("/ui/"), std::string::npos);
  EXPECT_EQ(off.find("token-form"), std::string::npos);
  EXPECT_NE(off.find("off: &lt;beyond loopback&gt;"), std::string::npos);
  c.runtime = "docker";
  EXPECT_EQ(renderOverview(host(true), {c}).find("/ui/"), std::string::npos);
  EXPECT_EQ(renderContainerPage(host(true), c, std::nullopt).find("/limit\""), std::string::npos);
}

TEST(WebViewHtml, ChartsAreSvgPolylinesSplitAtUnknownSamples) {
  ContainerHistory::Series series;
  for (int i = 0; i < 5; ++i) {
    series.atUnixMs.push_back(600'000 + 1000 * i);
    float cpu = i == 2 ? NAN : 10.0f * i;
    series.points.push_back({cpu, 1024.0f * (i + 1), 3});
  }
  std::string page = renderContainerPage(host(true), hostile(), series);
  EXPECT_EQ(count(page, "<svg"), 3u);
  for (const char* metric : {"cpu", "memory", "pids"})
    EXPECT_NE(page.find("<svg data-metric=\"" + std::string(metric) + "\""), std::string::npos) << metric;
  std::string chart =
      renderChart("cpu", "CPU", series.atUnixMs,
                  {series.points[0].cpuPercent, series.points[1].cpuPercent, NAN, 30, 40}, 604'000, 600'000, false);
  EXPECT_EQ(count(chart, "<polyline"), 2u);  // the gap is not bridged
  EXPECT_NE(chart.find("data-samples=\"4\""), std::string::npos);
  // The last point is "now", at the right edge; 40 of a scale of 44 is near the top.
  EXPECT_NE(chart.find("600.0,10.9"), std::string::npos) << chart;
  EXPECT_NE(chart.find("data-last=\"40.0\""), std::string::npos);
  EXPECT_NE(renderContainerPage(host(true), hostile(), std::nullopt).find("No samples yet"), std::string::npos);
}

TEST(WebViewHtml, TheControlsAreHiddenUntilTheScriptHasAToken) {
  // The limit form is both .action and .controls: hiding must win over .action's display.
  std::string css(styleSheet());
  EXPECT_LT(css.find("form.action{display:inline"), css.find("form.controls{display:none}"));
  EXPECT_NE(css.find("body.has-token form.controls{display:block}"), std::string::npos);
  EXPECT_NE(std::string(script()).find("sessionStorage"), std::string::npos);
}

TEST(WebViewHtml, FormatsBytesInBinaryUnits) {
  EXPECT_EQ(formatBytes(512), "512 B");
  EXPECT_EQ(formatBytes(1536), "1.5 KiB");
  EXPECT_EQ(formatBytes(256.0 * (1 << 20)), "256.0 MiB");
}

HttpServerRequest request(std::string method, std::string path, std::string authorization = "") {
  HttpServerRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  if (!authorization.empty()) r.headers["authorization"] = std::move(authorization);
  return r;
}

TEST(WebViewRoutes, ActionsNeedTheTokenAndALoopbackListener) {
  int calls = 0;
  auto control = [&calls](const HttpRequest& r) {
    ++calls;
    return HttpResponse{200, {{"method", r.method}, {"path", r.path}, {"body", r.body}}};
  };
  WebView::Options options{.hostname = "h", .version = "v", .controls = true, .controlsOff = "", .token = "s3cret"};
  WebView view(options, std::make_shared<LatestSnapshot>(), nullptr, nullptr, control);
  EXPECT_EQ(view.screen(request("POST", "/ui/containers/web/pause"))->status, 401);
  EXPECT_EQ(view.screen(request("POST", "/ui/containers/web/pause", "Bearer wrong!"))->status, 401);
  EXPECT_EQ(view.screen(request("GET", "/ui/containers/web/pause", "Bearer s3cret"))->status, 405);
  EXPECT_EQ(view.screen(request("POST", "/ui/containers/web/explode", "Bearer s3cret"))->status, 404);
  EXPECT_EQ(view.screen(request("POST", "/", "Bearer s3cret"))->status, 405);
  EXPECT_EQ(view.screen(request("GET", "/nothing"))->status, 404);
  EXPECT_FALSE(view.screen(request("GET", "/")));
  EXPECT_FALSE(view.screen(request("GET", "/containers/web")));
  auto authorized = request("POST", "/ui/containers/web/limit", "Bearer s3cret");
  EXPECT_FALSE(view.screen(authorized));
  authorized.body = R"({"cpu": "50%", "memory": "", "pids": 100})";
  auto reply = view.handle(authorized);
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.body->find(R"("method":"PATCH")"), std::string::npos);
  EXPECT_NE(reply.body->find(R"("path":["v1","containers","web","limits"])"), std::string::npos);
  EXPECT_NE(reply.body->find(R"({\"cpu\":\"50%\",\"pids\":\"100\"})"), std::string::npos) << *reply.body;
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(view.handle(request("GET", "/")).status, 503);  // nothing collected yet

  options.controls = false;
  options.controlsOff = "not on loopback";
  WebView remote(options, std::make_shared<LatestSnapshot>(), nullptr, nullptr, control);
  auto refused = remote.screen(request("POST", "/ui/containers/web/pause", "Bearer s3cret"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(*refused->body, "403: not on loopback\n");
}

TEST(WebViewRoutes, LoopbackHosts) {
  for (const char* yes : {"127.0.0.1", "127.3.4.5", "::1", "[::1]", "localhost"})
    EXPECT_TRUE(isLoopbackHost(yes)) << yes;
  for (const char* no : {"", "0.0.0.0", "10.0.0.1", "[::]", "::", "example.com", "128.0.0.1"})
    EXPECT_FALSE(isLoopbackHost(no)) << no;
}

}  // namespace
}  // namespace agent::web
