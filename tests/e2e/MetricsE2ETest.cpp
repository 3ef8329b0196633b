// agentd's /metrics as a user sees it: scraped every second by a real Prometheus (Debian's
// package) on loopback, queried through its HTTP API, checked by promtool.
#include <gtest/gtest.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "DashboardCheck.h"
#include "E2ESupport.h"
#include "HttpClient.h"
#include "PrometheusServer.h"

using namespace e2e;

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

  checkDashboardPanels(prometheus, instance, "busy", v2);
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

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

// Cgroups the test makes under the agent's cgroup parent, in every hierarchy that has it, with
// the names given; removed (before the agent's own cleanup) when the object goes.
class OddGroups {
 public:
  OddGroups(const std::string& parent, const std::vector<std::string>& names) {
    for (int i = 0; i < 500 && parentDirs(parent).empty(); ++i) std::this_thread::sleep_for(10ms);
    for (const auto& dir : parentDirs(parent)) {
      for (const auto& name : names) {
        fs::path made = dir / name;
        if (fs::create_directory(made)) made_.push_back(made);
      }
    }
  }
  ~OddGroups() {
    for (const auto& dir : made_) ::rmdir(dir.c_str());
  }
  bool empty() const { return made_.empty(); }

 private:
  // /sys/fs/cgroup<parent> (cgroup2) and /sys/fs/cgroup/<hierarchy><parent> (v1, hybrid).
  static std::vector<fs::path> parentDirs(const std::string& parent) {
    std::vector<fs::path> dirs;
    std::error_code ec;
    if (fs::is_directory("/sys/fs/cgroup" + parent, ec)) dirs.push_back("/sys/fs/cgroup" + parent);
    for (const auto& entry : fs::directory_iterator("/sys/fs/cgroup", ec)) {
      fs::path dir = entry.path().string() + parent;
      if (!entry.is_symlink() && fs::is_directory(dir, ec)) dirs.push_back(dir);
    }
    return dirs;
  }
  std::vector<fs::path> made_;
};

// The series of a scrape whose `id` starts with `prefix`, as lines of the text.
size_t seriesUnder(const std::string& text, const std::string& prefix) {
  size_t count = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#' && line.find("id=\"" + prefix) != std::string::npos) ++count;
  return count;
}

}  // namespace

// A cgroup name may hold any byte but '/', NUL and newline. Prometheus refuses a whole scrape
// for one label value that is not valid UTF-8: every series of the host would be lost. Each
// odd group must be exported, and a real Prometheus must take every series of the scrape.
TEST(MetricsE2E, PrometheusTakesEverySeriesOfGroupsNamedWithAnyBytes) {
  Agent agent("export: all\n");
  // Made after the agent: its standby pool makes the parent.
  OddGroups odd(agent.cgroupParent(), {"bad\xFF\xFE", "quote\"d", "back\\slash", "tab\there", "cr\rhere", "with spaces",
                                       "emoji\xF0\x9F\x98\x80", "bad" + kFffd + "FF"});
  ASSERT_FALSE(odd.empty());
  const std::string prefix = agent.cgroupParent() + "/";
  // The ids as Prometheus returns them (label values, unescaped), as docs/metrics.md maps them.
  std::set<std::string> expected;
  for (const std::string& name :
       {"bad" + kFffd + "FF" + kFffd + "FE", std::string("quote\"d"), std::string("back\\slash"),
        std::string("tab\there"), std::string("cr\rhere"), std::string("with spaces"),
        std::string("emoji\xF0\x9F\x98\x80"), "bad" + kFffd + kFffd + "FF"})
    expected.insert(prefix + name);

  std::string text;
  for (int i = 0; i < 50; ++i) {
    text = scrape(agent.metricsUrl());
    if (text.find("id=\"" + prefix + "with spaces\"") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  size_t inScrape = seriesUnder(text, prefix);
  ASSERT_GT(inScrape, expected.size()) << "the odd groups were not exported";
  PrometheusServer prometheus(agent.metricsUrl());
  ASSERT_TRUE(prometheus.ready()) << prometheus.log();
  // Every series of those groups arrived: none dropped, the scrape not refused.
  std::string selector = "{id=~\"" + prefix + ".+\"}";
  auto counted = prometheus.queryUntil(
      "count(" + selector + ")",
      [&](const auto& s) { return !s.empty() && s[0].value == static_cast<double>(inScrape); }, 30s);
  auto up = prometheus.query("up");
  ASSERT_EQ(counted.size(), 1u) << "Prometheus has none of them; up: " << (up && !up->empty() ? (*up)[0].value : -1)
                                << "\n"
                                << prometheus.log();
  EXPECT_EQ(counted[0].value, static_cast<double>(inScrape));
  auto seen = prometheus.query("container_last_seen" + selector);
  ASSERT_TRUE(seen);
  std::set<std::string> ids;
  for (const auto& s : *seen) ids.insert(s.labels.at("id"));
  for (const auto& id : expected) EXPECT_EQ(ids.count(id), 1u) << "no series for " << id;
}

namespace {

// The cgroup paths of the agent's standby containers, from their markers in the state directory.
std::set<std::string> standbyCgroups(const Agent& agent) {
  std::set<std::string> paths;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(agent.root() / "state" / "standby", ec)) {
    std::ifstream in(entry.path());
    std::string path;
    if (std::getline(in, path) && !path.empty()) paths.insert(path);
  }
  return paths;
}

// True once every group of `paths` has a process (a standby's PID 1 joins its group before the
// pool counts it ready; the markers and the gauge count it from before, while it is prepared).
bool populated(const std::set<std::string>& paths) {
  for (const auto& path : paths) {
    bool any = false;
    std::error_code ec;
    for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", ec)) {
      std::ifstream procs(hierarchy.path().string() + path + "/cgroup.procs");
      std::string pid;
      if (procs >> pid) any = true;
    }
    std::ifstream unified("/sys/fs/cgroup" + path + "/cgroup.procs");
    std::string pid;
    if (unified >> pid) any = true;
    if (!any) return false;
  }
  return true;
}

double gauge(const std::string& text, const std::string& name) {
  size_t at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
}

}  // namespace

// The standby pool's prepared containers are no containers: no series of theirs (they were
// phantom containers with hex names and no image), their own gauge. A container made from one
// is exported as itself, and the standby that replaces it is not.
TEST(MetricsE2E, StandbyContainersAreNotExportedAndHaveTheirOwnGauge) {
  Agent agent;
  std::set<std::string> standby;
  std::string text;
  for (int i = 0; i < 100; ++i) {
    standby = standbyCgroups(agent);
    text = scrape(agent.metricsUrl());
    if (standby.size() == Agent::kStandby && gauge(text, "agent_standby_containers") == Agent::kStandby &&
        populated(standby))
      break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(standby.size(), Agent::kStandby);
  EXPECT_EQ(gauge(text, "agent_standby_containers"), Agent::kStandby) << text;
  for (const auto& path : standby) EXPECT_EQ(text.find("id=\"" + path + "\""), std::string::npos) << path;
  EXPECT_EQ(text.find("id=\"" + agent.cgroupParent() + "/"), std::string::npos) << "no container runs yet";

  ASSERT_EQ(agent.ctl("run -d --name web busybox -- sleep 60").exitCode, 0);
  std::string id = field(agent.ctl("inspect web").out, "id");
  ASSERT_EQ(id.size(), 32u);
  EXPECT_EQ(standby.count(agent.cgroupParent() + "/" + id), 1u) << "run takes a standby container";
  for (int i = 0; i < 100; ++i) {
    text = scrape(agent.metricsUrl());
    standby = standbyCgroups(agent);
    if (text.find("name=\"web\"") != std::string::npos && standby.size() == Agent::kStandby &&
        gauge(text, "agent_standby_containers") == Agent::kStandby)
      break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(
      text.find("container_last_seen{id=\"" + agent.cgroupParent() + "/" + id + "\",name=\"web\",image=\"busybox\""),
      std::string::npos)
      << text;
  ASSERT_EQ(standby.size(), Agent::kStandby);
  for (const auto& path : standby) EXPECT_EQ(text.find("id=\"" + path + "\""), std::string::npos) << path;
  EXPECT_EQ(gauge(text, "agent_standby_containers"), Agent::kStandby);
  // One container under the parent: the cgroups of the standby ones are not counted either.
  EXPECT_EQ(seriesUnder(text, agent.cgroupParent() + "/"), seriesUnder(text, agent.cgroupParent() + "/" + id));
}
