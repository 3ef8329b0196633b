// /metrics over loopback: the text of the latest snapshot, gzip when asked (and the same
// text once inflated), one render per snapshot however many scrapes, a new one per snapshot.
#include "MetricsServer.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <zlib.h>

#include "ApiMetrics.h"
#include "HttpClient.h"
#include "TextFormatValidator.h"
#include "UnixTime.h"

using namespace agent;
using namespace std::chrono_literals;

namespace {

std::string gunzip(const std::string& compressed) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return "inflateInit2 failed";
  std::string out(compressed.size() * 50 + 1024, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int result = inflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return result == Z_STREAM_END ? out : "inflate failed: " + std::to_string(result);
}

collectors::SnapshotPtr snapshotWith(const std::string& name, uint64_t usageNs, int64_t takenAtUnixMs = 0) {
  auto s = std::make_shared<collectors::Snapshot>();
  s->takenAtUnixMs = takenAtUnixMs;
  s->cgroupMode = "v1";
  collectors::CgroupSample sample;
  sample.path = "/agent/" + std::string(32, 'b');
  sample.classification = {collectors::Runtime::Agent, std::string(32, 'b'), "bbbbbbbbbbbb"};
  sample.name = name;
  sample.stats.cpu.usageNs = usageNs;
  s->cgroups.push_back(sample);
  return s;
}

struct Served {
  std::shared_ptr<LatestSnapshot> snapshots = std::make_shared<LatestSnapshot>();
  std::unique_ptr<MetricsServer> server;
  ctl::HttpUrl url;
  Served() {
    auto started = MetricsServer::start("127.0.0.1:0", snapshots, {"test", {}});
    if (!started) throw std::runtime_error(started.error().message());
    server = std::move(*started);
    auto parsed = ctl::parseHttpUrl(server->url().substr(0, server->url().rfind('/')));
    if (!parsed) throw std::runtime_error("bad url " + server->url());
    url = *parsed;
  }
  Result<ctl::HttpReply> get(bool gzip, const std::string& method = "GET") {
    ctl::HttpRequestLine request{method, "/metrics", {}, ""};
    if (gzip) request.headers.push_back({"Accept-Encoding", "gzip, deflate"});
    return ctl::httpExchange(url, request, 5s);
  }
};

}  // namespace

TEST(MetricsServer, ServesTheLatestSnapshotPlainAndGzipped) {
  Served served;
  served.snapshots->publish(snapshotWith("web-1", 2'500'000'000));
  auto plain = served.get(false);
  ASSERT_TRUE(plain) << plain.error().message();
  ASSERT_EQ(plain->status, 200);
  EXPECT_NE(plain->body.find("container_cpu_usage_seconds_total{id=\"/agent/" + std::string(32, 'b') +
                             "\",name=\"web-1\",image=\"\",cpu=\"total\"} 2.5\n"),
            std::string::npos)
      << plain->body;

  auto compressed = served.get(true);
  ASSERT_TRUE(compressed) << compressed.error().message();
  ASSERT_EQ(compressed->status, 200);
  ASSERT_GE(compressed->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(compressed->body[0]), 0x1f) << "not gzip";
  EXPECT_EQ(static_cast<unsigned char>(compressed->body[1]), 0x8b) << "not gzip";
  EXPECT_LT(compressed->body.size(), plain->body.size());
  EXPECT_EQ(gunzip(compressed->body), plain->body);

  // A new snapshot is what the next scrape shows.
  served.snapshots->publish(snapshotWith("web-2", 1'000'000'000));
  auto next = served.get(false);
  ASSERT_TRUE(next);
  EXPECT_NE(next->body.find("name=\"web-2\""), std::string::npos);
  EXPECT_EQ(next->body.find("name=\"web-1\""), std::string::npos);
}

TEST(MetricsServer, RendersAndCompressesEachSnapshotOnce) {
  Served served;
  served.snapshots->publish(snapshotWith("web-1", 1));
  auto first = served.server->body(true);
  auto second = served.server->body(true);
  EXPECT_TRUE(first.gzip);
  EXPECT_EQ(first.text.get(), second.text.get()) << "the second scrape compressed again";
  EXPECT_EQ(served.server->body(false).text.get(), served.server->body(false).text.get());
  served.snapshots->publish(snapshotWith("web-1", 2));
  EXPECT_NE(served.server->body(true).text.get(), first.text.get()) << "a new snapshot was not rendered";
}

TEST(MetricsServer, AddsTheAgentsOwnFamiliesAndRefusesOtherMethods) {
  Served served;
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter().Name("agent_test_total").Help("A test counter.").Register(*registry).Add({}).Increment(3);
  served.server->add(registry);
  served.snapshots->publish(snapshotWith("web-1", 1));
  auto reply = served.get(false);
  ASSERT_TRUE(reply);
  EXPECT_NE(reply->body.find("# TYPE agent_test_total counter\nagent_test_total 3"), std::string::npos) << reply->body;
  auto post = served.get(false, "POST");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

TEST(MetricsServer, AScrapeRefreshesASnapshotOlderThanMaxStaleness) {
  Served served;
  served.snapshots->publish(snapshotWith("old", 1, nowUnixMs() - 10'000));
  int refreshes = 0;
  served.server->refreshWhenOlderThan(std::chrono::milliseconds(2000), [&] {
    ++refreshes;
    served.snapshots->publish(snapshotWith("fresh", 2, nowUnixMs()));
  });
  auto reply = served.get(false);
  ASSERT_TRUE(reply);
  EXPECT_NE(reply->body.find("name=\"fresh\""), std::string::npos);
  EXPECT_EQ(refreshes, 1);
  ASSERT_TRUE(served.get(true));
  EXPECT_EQ(refreshes, 1) << "a young snapshot was refreshed";
}

TEST(MetricsServer, WithoutMaxStalenessAScrapeServesWhatThereIs) {
  Served served;
  served.snapshots->publish(snapshotWith("old", 1, nowUnixMs() - 10'000));
  int refreshes = 0;
  served.server->refreshWhenOlderThan(std::chrono::milliseconds(0), [&] { ++refreshes; });
  auto reply = served.get(false);
  ASSERT_TRUE(reply);
  EXPECT_NE(reply->body.find("name=\"old\""), std::string::npos);
  EXPECT_EQ(refreshes, 0);
}

// agent_api_requests_total's route is made of the request's path, authorized or not: `curl
// 127.0.0.1:9102/%ff` must not make Prometheus refuse every later scrape, and a scanner's
// thousand paths must not make a thousand series.
TEST(MetricsServer, TheApiRouteOfAnyRequestIsValidTextAndFromAFixedSet) {
  Served served;
  auto api = std::make_shared<ApiMetrics>();
  HttpRequest odd;
  odd.method = "GET";
  odd.path = {"\xFF\xFE", "a\"b\\c\nd"};
  api->count(odd, 401);
  for (int i = 0; i < 100; ++i) {
    HttpRequest scan;
    scan.method = i % 2 ? "GET" : "BREW";
    scan.path = i % 3 ? std::vector<std::string>{"v1", "x" + std::to_string(i)}
                      : std::vector<std::string>{"wp-admin" + std::to_string(i)};
    api->count(scan, 404);
  }
  HttpRequest logs;
  logs.method = "GET";
  logs.path = {"v1", "containers", "web-\xFF", "logs"};
  api->count(logs, 200);
  served.server->add(api);
  served.snapshots->publish(snapshotWith("web-1", 1));
  auto reply = served.get(false);
  ASSERT_TRUE(reply);
  EXPECT_EQ(agent::testing::textFormatProblem(reply->body), "");
  EXPECT_NE(reply->body.find("agent_api_requests_total{route=\"GET other\",code=\"401\"} 1\n"), std::string::npos)
      << reply->body;
  EXPECT_NE(reply->body.find("agent_api_requests_total{route=\"GET /v1/containers/{id}/logs\",code=\"200\"} 1\n"),
            std::string::npos);
  size_t series = 0;
  for (size_t at = reply->body.find("\nagent_api_requests_total{"); at != std::string::npos;
       at = reply->body.find("\nagent_api_requests_total{", at + 1))
    ++series;
  // GET other (401 and 404), OTHER other, GET /v1/other, OTHER /v1/other, the logs route.
  EXPECT_EQ(series, 6u) << reply->body;
}

// This port serves /metrics only, without a token, on every interface by default: a browser's
// `/`, a probe's /healthz (the API's) or a scanner's path must get an answer that says so, and
// the server go on. CivetWeb's own reply for a path without a handler overflowed its worker's
// small stack: one `curl http://HOST:9101/` ended agentd (segfault in civetweb-worker).
TEST(MetricsServer, AnyOtherPathIsANotFoundSayingWhatThePortServes) {
  Served served;
  served.snapshots->publish(snapshotWith("web-1", 1));
  for (std::string path : {"/", "/healthz", "/nothing", "/metrics/x", "/favicon.ico", "/v1/info"}) {
    auto reply = ctl::httpExchange(served.url, {"GET", path, {}, ""}, 5s);
    ASSERT_TRUE(reply) << path << ": " << reply.error().message();
    EXPECT_EQ(reply->status, 404) << path;
    EXPECT_NE(reply->body.find("/metrics"), std::string::npos) << path << ": " << reply->body;
  }
  auto after = served.get(false);
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ(after->status, 200);
  EXPECT_NE(after->body.find("name=\"web-1\""), std::string::npos);
}

// With the web view (WebView.h), the port serves its pages beside /metrics: HTML with its
// Content-Security-Policy, the actions refused without the token, /metrics as before.
TEST(MetricsServer, ServesTheWebViewBesideMetrics) {
  auto snapshots = std::make_shared<LatestSnapshot>();
  auto web = std::make_shared<const WebView>(
      WebView::Options{.hostname = "h", .version = "v", .controls = true, .controlsOff = "", .token = "t0k"}, snapshots,
      std::make_shared<ContainerHistory>(), nullptr, [](const HttpRequest&) {
        return HttpResponse{200, {}};
      });
  auto started = MetricsServer::start("127.0.0.1:0", snapshots, {"test", {}}, {}, web);
  ASSERT_TRUE(started) << started.error().message();
  auto url = ctl::parseHttpUrl((*started)->url().substr(0, (*started)->url().rfind('/')));
  snapshots->publish(snapshotWith("web-<1>", 1));
  auto page = ctl::httpExchange(*url, {"GET", "/", {}, ""}, 5s);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->header("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  EXPECT_NE(page->body.find("web-&lt;1&gt;"), std::string::npos) << page->body;
  auto refused = ctl::httpExchange(*url, {"POST", "/ui/containers/web-1/pause", {}, ""}, 5s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  auto done =
      ctl::httpExchange(*url, {"POST", "/ui/containers/web-1/pause", {{"Authorization", "Bearer t0k"}}, ""}, 5s);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 200) << done->body;
  auto metrics = ctl::httpExchange(*url, {"GET", "/metrics", {}, ""}, 5s);
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("container_cpu_usage_seconds_total"), std::string::npos);
  EXPECT_EQ(ctl::httpExchange(*url, {"GET", "/nothing", {}, ""}, 5s)->status, 404);
}
