// agentd's /metrics as a user sees it: scraped every second by a real Prometheus (Debian's
// package) on loopback, queried through its HTTP API, checked by promtool.
#include <gtest/gtest.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "E2ESupport.h"
#include "HttpClient.h"
#include "PrometheusServer.h"

using namespace e2e;

namespace {

std::string scrape(const std::string& metricsUrl) {
  auto url = agent::ctl::parseHttpUrl(metricsUrl.substr(0, metricsUrl.rfind('/')));
  if (!url) return "";
  auto reply = agent::ctl::httpExchange(*url, {"GET", "/metrics", {}, ""}, 5s);
  return reply && reply->status == 200 ? reply->body : "";
}

}  // namespace

TEST(MetricsE2E, ABusyContainerLimitedToHalfACpuShowsHalfACpuInPrometheus) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name busy --cpu 50% busybox -- sh -c 'while :; do :; done'").exitCode, 0);
  PrometheusServer prometheus(agent.metricsUrl());
  ASSERT_TRUE(prometheus.ready()) << prometheus.log();

  auto quota = prometheus.queryUntil(
      "container_spec_cpu_quota{name=\"busy\"}", [](const auto& s) { return !s.empty(); }, 20s);
  ASSERT_EQ(quota.size(), 1u) << prometheus.log();
  EXPECT_EQ(quota[0].value, 50000);
  EXPECT_EQ(quota[0].labels["image"], "busybox");
  EXPECT_EQ(quota[0].labels["job"], "agent");

  // Ten seconds of samples, scraped every second.
  auto rate = prometheus.queryUntil(
      "rate(container_cpu_usage_seconds_total{name=\"busy\"}[10s])",
      [](const auto& s) { return !s.empty() && s[0].value >= 0.40 && s[0].value <= 0.60; }, 30s);
  ASSERT_EQ(rate.size(), 1u);
  EXPECT_GE(rate[0].value, 0.40);
  EXPECT_LE(rate[0].value, 0.60);
  EXPECT_EQ(rate[0].labels["cpu"], "total");

  auto state = prometheus.query("agent_container_state{name=\"busy\",state=\"running\"}");
  ASSERT_TRUE(state);
  ASSERT_EQ(state->size(), 1u);
  auto machine = prometheus.query("machine_cpu_cores");
  ASSERT_TRUE(machine && machine->size() == 1);
  EXPECT_GE((*machine)[0].value, 1);
}

TEST(MetricsE2E, AnOomKillRaisesTheContainersOomCounter) {
  Agent agent;
  PrometheusServer prometheus(agent.metricsUrl());
  ASSERT_TRUE(prometheus.ready()) << prometheus.log();
  // tail keeps the last line in memory; /dev/zero has no newline: it grows until killed. The
  // container lives on (sh, PID 1, sleeps): a stopped container's cgroup, and with it its
  // series, goes when it stops (its OOM kill is then in `inspect`, see LifecycleE2E).
  ASSERT_EQ(
      agent.ctl("run -d --name greedy --memory 16m busybox -- sh -c 'sleep 8; tail /dev/zero; sleep 60'").exitCode, 0);
  auto before = prometheus.queryUntil(
      "container_oom_events_total{name=\"greedy\"}", [](const auto& s) { return !s.empty(); }, 20s);
  ASSERT_EQ(before.size(), 1u) << prometheus.log();
  EXPECT_EQ(before[0].value, 0) << "no OOM kill yet: the container sleeps for 8 s first";
  auto after = prometheus.queryUntil(
      "container_oom_events_total{name=\"greedy\"}", [](const auto& s) { return !s.empty() && s[0].value >= 1; }, 30s);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_GE(after[0].value, 1);
  // Prometheus saw it go up: 0 before, at least 1 after, in the same series.
  auto increase = prometheus.queryUntil(
      "increase(container_oom_events_total{name=\"greedy\"}[1m])",
      [](const auto& s) { return !s.empty() && s[0].value > 0; }, 10s);
  ASSERT_EQ(increase.size(), 1u);
  EXPECT_GT(increase[0].value, 0);
  // Stopped now, it says it saw an OOM kill.
  ASSERT_EQ(agent.ctl("kill greedy").exitCode, 0);
  Ran stopped = agent.ctl("inspect greedy");
  for (int i = 0; i < 100 && stopped.out.find("\"oom_killed\": true") == std::string::npos; ++i) {
    std::this_thread::sleep_for(50ms);
    stopped = agent.ctl("inspect greedy");
  }
  EXPECT_NE(stopped.out.find("\"oom_killed\": true"), std::string::npos) << stopped.out;
}

TEST(MetricsE2E, PromtoolFindsNothingToSayAboutAScrape) {
  Agent agent("container_labels: [tier]\n");
  ASSERT_EQ(agent.ctl("run -d --name labelled --label tier=web --label secret=x busybox -- sleep 60").exitCode, 0);
  std::string text = scrape(agent.metricsUrl());
  for (int i = 0; i < 30 && text.find("name=\"labelled\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(200ms);
    text = scrape(agent.metricsUrl());
  }
  ASSERT_NE(text.find("container_label_tier=\"web\""), std::string::npos) << text;
  EXPECT_EQ(text.find("secret"), std::string::npos) << "a label that is not allow-listed was exported";
  // The control API's own requests, by route (ids folded into {id}) and status.
  EXPECT_NE(text.find("agent_api_requests_total{route=\"POST /v1/containers\",code=\"201\"} 1\n"), std::string::npos)
      << text.substr(text.find("agent_api"), 400);
  agent.ctl("inspect no-such-container");
  // The API's counters are rendered with a snapshot, at its first scrape: within one
  // collect_interval (1 s) of the request.
  const std::string notFound = "agent_api_requests_total{route=\"GET /v1/containers/{id}\",code=\"404\"} 1\n";
  std::string again = scrape(agent.metricsUrl());
  for (int i = 0; i < 30 && again.find(notFound) == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    again = scrape(agent.metricsUrl());
  }
  EXPECT_NE(again.find(notFound), std::string::npos);
  fs::path file = agent.root() / "scrape.txt";
  std::ofstream(file) << text;
  Ran lint = shell("promtool check metrics < " + file.string());
  EXPECT_EQ(lint.exitCode, 0) << lint.out;
  EXPECT_EQ(lint.out, "") << lint.out;
}

namespace {

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

}  // namespace

TEST(MetricsE2E, EveryDashboardPanelQueryReturnsSeries) {
  Agent agent;
  // One container that uses what the panels show: CPU under a limit, memory under a limit,
  // tasks under a limit, and direct (uncached) disk I/O, which cgroups account to it.
  ASSERT_EQ(agent
                .ctl("run -d --name busy --cpu 50% --memory 64m --pids 50 busybox -- sh -c "
                     "'while :; do dd if=/dev/zero of=/tmp/io bs=64k count=16 oflag=direct 2>/dev/null; "
                     "dd if=/tmp/io of=/dev/null bs=64k iflag=direct 2>/dev/null; done'")
                .exitCode,
            0);
  PrometheusServer prometheus(agent.metricsUrl());
  ASSERT_TRUE(prometheus.ready()) << prometheus.log();
  auto build = prometheus.queryUntil(
      "agent_build_info", [](const auto& s) { return !s.empty(); }, 20s);
  ASSERT_EQ(build.size(), 1u);
  std::string instance = build[0].labels["instance"];
  bool v2 = build[0].labels["cgroup_mode"] == "unified";
  // Enough samples for every rate() of the panels.
  prometheus.queryUntil(
      "count_over_time(container_last_seen{name=\"busy\"}[1m])",
      [](const auto& s) { return !s.empty() && s[0].value >= 12; }, 30s);

  for (const char* file : {"host-overview.json", "container-detail.json"}) {
    std::ifstream in(std::string(AGENT_DASHBOARDS_DIR) + "/" + file);
    auto board = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(board.is_discarded()) << file;
    for (const auto& variable : board["templating"]["list"]) {
      if (variable.value("type", "") != "query") continue;
      // label_values(METRIC, LABEL): the metric must have series carrying the label.
      std::string query = variable["query"];
      std::string inner = query.substr(query.find('(') + 1);
      std::string metric = replaceAll(inner.substr(0, inner.rfind(',')), "$instance", instance);
      std::string label = inner.substr(inner.rfind(',') + 1);
      label = label.substr(label.find_first_not_of(' '));
      label.pop_back();  // ')'
      auto series = prometheus.query(metric);
      ASSERT_TRUE(series) << file << ": " << metric;
      bool labelled = false;
      for (const auto& s : *series) labelled = labelled || s.labels.count(label) > 0;
      EXPECT_TRUE(labelled) << file << ": variable " << variable["name"] << " finds no `" << label << "` in " << metric;
    }
    for (const auto& panel : board["panels"]) {
      for (const auto& target : panel["targets"]) {
        std::string expr = target["expr"];
        // Two panels need cgroup v2 (docs/metrics.md): pressure is read where the cpu
        // controller is v2, and v1's blkio counts a cgroup's I/O only while blk-throttle is
        // active on the device (some cgroup has a limit there), which a test must not set.
        bool needsV2 =
            expr.find("container_pressure_") != std::string::npos || expr.find("container_fs_") != std::string::npos;
        if (!v2 && needsV2) {
          std::cout << "[ NOTE     ] " << file << " \"" << panel["title"].get<std::string>()
                    << "\": only checked as PromQL; its series need cgroup v2, this host is "
                    << build[0].labels["cgroup_mode"] << "\n";
        }
        std::string promql = replaceAll(replaceAll(replaceAll(expr, "$instance", instance), "$container", "busy"),
                                        "$__rate_interval", "30s");
        std::string error;
        auto series = prometheus.query(promql, &error);
        ASSERT_TRUE(series) << file << " \"" << panel["title"] << "\": " << promql << ": " << error;
        if (v2 || !needsV2) {
          EXPECT_FALSE(series->empty()) << file << " \"" << panel["title"] << "\" returns no series: " << promql;
        }
      }
    }
  }
}

// With a long collect_interval, max_staleness makes a scrape collect: a container started
// after agentd's first collection shows at the next scrape, not a minute later.
TEST(MetricsE2E, AScrapeCollectsWhenTheSnapshotIsOlderThanMaxStaleness) {
  Agent agent("collect_interval: 600\nmax_staleness: 1\n");
  ASSERT_EQ(agent.ctl("run -d --name late busybox -- sleep 60").exitCode, 0);
  std::this_thread::sleep_for(1500ms);
  std::string text = scrape(agent.metricsUrl());
  EXPECT_NE(text.find("container_last_seen{id=\""), std::string::npos) << text.substr(0, 2000);
  EXPECT_NE(text.find("name=\"late\""), std::string::npos) << "the scrape served the snapshot taken at start";
}
