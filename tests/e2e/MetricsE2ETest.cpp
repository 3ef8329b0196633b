// agentd's /metrics as a user sees it: scraped every second by a real Prometheus (Debian's
// package) on loopback, queried through its HTTP API, checked by promtool.
#include <gtest/gtest.h>

#include <cstdio>

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
  // tail keeps the last line in memory; /dev/zero has no newline: it grows until killed.
  ASSERT_EQ(agent.ctl("run -d --name greedy --memory 16m busybox -- sh -c 'sleep 8; tail /dev/zero'").exitCode, 0);
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
  EXPECT_EQ(agent.ctl("inspect greedy").out.find("\"exit_code\": 137") != std::string::npos, true)
      << agent.ctl("inspect greedy").out;
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
  fs::path file = agent.root() / "scrape.txt";
  std::ofstream(file) << text;
  Ran lint = shell("promtool check metrics < " + file.string());
  EXPECT_EQ(lint.exitCode, 0) << lint.out;
  EXPECT_EQ(lint.out, "") << lint.out;
}
