// A fleet on one machine: five agentd, each in a network namespace of its own standing for a
// host (its own state, data and policy directories and cgroup parent), and one real Prometheus
// in a sixth ("the monitoring host") scraping all five through deploy/prometheus/prometheus.yml
// (file_sd) with the rules users load. The host-overview dashboard's queries, with every host
// selected, return each host; an agent killed shows up 0 for it alone; a policy changed on all
// five reaches each one's cgroups within 2 s; agentctl drives one agent over TLS from the
// monitoring host, and a CA that did not sign its certificate is refused. About 40 s.
//
//   monitor  flN-m 10.77.N.1/30 (N = 1..5): Prometheus, agentctl over https
//      |  veth, one per host
//   hostN    flN-h 10.77.N.2/30: agentd, metrics on :9101; host1's API on 10.77.1.2:9102 (TLS)
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "../host/TestNetns.h"
#include "E2ESupport.h"
#include "PrometheusServer.h"

using namespace e2e;
using agent::hosttest::TestNetns;

namespace {

constexpr int kHosts = 5;

std::string hostAddress(int n) {
  return "10.77." + std::to_string(n) + ".2";
}
std::string metricsTarget(int n) {
  return hostAddress(n) + ":9101";
}

std::string cpuFile(const std::string& cgroupPath) {
  if (fs::exists("/sys/fs/cgroup/cpu" + cgroupPath)) return "/sys/fs/cgroup/cpu" + cgroupPath + "/cpu.cfs_quota_us";
  return "/sys/fs/cgroup" + cgroupPath + "/cpu.max";
}

std::string policy(const std::string& cpu) {
  return "policies:\n  - name: fleet-web\n    match: {names: [\"web\"]}\n    limits: {cpu: " + cpu + "}\n";
}

// A test CA, a certificate it signs for host1's address, and a second CA that signed nothing.
struct TestPki {
  fs::path dir;
  TestPki() {
    std::random_device random;
    dir = fs::temp_directory_path() / ("agent-test-pki-" + std::to_string(random()));
    fs::create_directories(dir);
    std::string d = dir.string();
    std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ";
    Ran made =
        shell("cd " + d + " && openssl req -x509" + ec + "-days 2 -subj /CN=fleet-test-ca -keyout ca.key -out ca.pem" +
              " && openssl req -x509" + ec + "-days 2 -subj /CN=other-ca -keyout other.key -out other-ca.pem" +
              " && openssl req" + ec + "-subj /CN=agentd -keyout api.key -out api.csr" +
              " && printf 'subjectAltName=IP:" + hostAddress(1) + "\\n' > san.ext" +
              " && openssl x509 -req -in api.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile " +
              "san.ext -out api.crt");
    EXPECT_EQ(made.exitCode, 0) << made.out;
  }
  ~TestPki() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string file(const char* name) const { return (dir / name).string(); }
};

// The monitoring host and five hosts, each joined to it by a veth of its own.
struct FleetNetwork {
  TestNetns monitor;
  std::vector<std::unique_ptr<TestNetns>> hosts;
  FleetNetwork() {
    monitor.must("ip link set lo up");
    for (int n = 1; n <= kHosts; ++n) {
      hosts.push_back(std::make_unique<TestNetns>());
      TestNetns& host = *hosts.back();
      std::string m = "fl" + std::to_string(n) + "-m", h = "fl" + std::to_string(n) + "-h";
      std::string net = "10.77." + std::to_string(n) + ".";
      monitor.must("ip link add " + m + " type veth peer name " + h + " netns " + std::to_string(host.pid()));
      monitor.must("ip addr add " + net + "1/30 dev " + m + " && ip link set " + m + " up");
      host.must("ip link set lo up && ip addr add " + net + "2/30 dev " + h + " && ip link set " + h + " up");
    }
  }
};

}  // namespace

TEST(FleetE2E, FiveAgentsWatchedByOnePrometheusAndDrivenOverTls) {
  for (const char* tool : {"prometheus", "openssl", "nsenter", "ip"})
    if (shell(std::string("command -v ") + tool).exitCode != 0)
      AGENT_SKIP_OR_FAIL_UNDER_CI(std::string(tool) + " is not installed");
  TestPki pki;
  FleetNetwork network;
  // Every agentctl the test runs (the Agents' clean-up too) trusts the test CA, as a user
  // would set it once for a fleet; unset after the Agents are gone.
  struct TlsCaEnv {
    explicit TlsCaEnv(const std::string& file) { ::setenv("AGENT_TLS_CA", file.c_str(), 1); }
    ~TlsCaEnv() { ::unsetenv("AGENT_TLS_CA"); }
  } tlsCa(pki.file("ca.pem"));

  // Plain HTTP off loopback is refused at load, before anything starts.
  Ran plain = shell("nsenter --net=" + network.hosts[1]->path() + " " AGENT_BIN_DIR "/agentd --config /dev/null " +
                    "--state-dir /nonexistent/agent-test --api-address " + hostAddress(2) + ":9102");
  EXPECT_EQ(plain.exitCode, 2) << plain.out;
  EXPECT_NE(plain.out.find("plain HTTP off loopback is refused"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("give api_tls_cert and api_tls_key"), std::string::npos) << plain.out;

  std::vector<std::unique_ptr<Agent>> agents;
  std::vector<std::string> cgroups;
  for (int n = 1; n <= kHosts; ++n) {
    Agent::Listen listen{"127.0.0.1:0", metricsTarget(n), "fleet" + std::to_string(n)};
    std::string config = "collect_interval: 0.5\n";
    if (n == 1) {
      listen.api = hostAddress(1) + ":9102";
      config += "api_tls_cert: " + pki.file("api.crt") + "\napi_tls_key: " + pki.file("api.key") + "\n";
    }
    agents.push_back(std::make_unique<Agent>(Agent::InNetns{network.hosts[n - 1]->path()}, config, listen));
    Agent& agent = *agents.back();
    ASSERT_FALSE(HasFatalFailure());
    std::ofstream(agent.root() / "policies" / "fleet.yaml") << policy("30%");
    ASSERT_EQ(agent.ctl("policy reload").exitCode, 0) << agent.log();
    Ran run = agent.ctl("run -d --name web busybox -- sh -c 'while :; do :; done'");
    ASSERT_EQ(run.exitCode, 0) << run.out << agent.log();
    cgroups.push_back(field(agent.ctl("inspect web").out, "cgroup"));
    EXPECT_TRUE(becomes(cpuFile(cgroups.back()), "30000", 2s)) << "host" << n << ": " << cgroups.back();
  }
  std::ifstream apiFile(agents[0]->root() / "state" / "api");
  std::string apiUrl;
  std::getline(apiFile, apiUrl);
  EXPECT_EQ(apiUrl, "https://" + hostAddress(1) + ":9102");

  PrometheusSetup setup{
      AGENT_DEPLOY_DIR "/prometheus/prometheus.yml",
      {},
      {AGENT_DASHBOARDS_DIR "/prometheus-rules.yaml", AGENT_DEPLOY_DIR "/prometheus/fleet-rules.yaml"},
      network.monitor.path()};
  for (int n = 1; n <= kHosts; ++n) setup.targets.push_back(metricsTarget(n));
  PrometheusServer prometheus(setup);
  ASSERT_TRUE(prometheus.ready()) << prometheus.log();
  auto up = prometheus.queryUntil(
      "up{job=\"agent\"} == 1", [](const auto& s) { return s.size() == kHosts; }, 20s);
  ASSERT_EQ(up.size(), static_cast<size_t>(kHosts)) << prometheus.log();

  // A policy changed on all five reaches every one's cgroup within 2 s (the directory is watched).
  for (auto& agent : agents) std::ofstream(agent->root() / "policies" / "fleet.yaml") << policy("20%");
  auto changed = std::chrono::steady_clock::now();
  for (int n = 1; n <= kHosts; ++n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(changed + 2s - std::chrono::steady_clock::now());
    EXPECT_TRUE(becomes(cpuFile(cgroups[n - 1]), "20000", std::max(left, 0ms)))
        << "host" << n << "'s cgroup still reads " << firstWord(cpuFile(cgroups[n - 1])) << " 2 s after the change";
  }

  // agentctl on the monitoring host drives host1's agent over TLS: ps, run, exec.
  std::string remote = "nsenter --net=" + network.monitor.path() + " " AGENT_BIN_DIR "/agentctl --api https://" +
                       hostAddress(1) + ":9102 --token-file " + (agents[0]->root() / "state" / "token").string();
  Ran ps = shell(remote + " --tls-ca " + pki.file("ca.pem") + " ps");
  EXPECT_EQ(ps.exitCode, 0) << ps.out;
  EXPECT_NE(ps.out.find("web"), std::string::npos) << ps.out;
  Ran ran = shell(remote + " run --name remote-echo busybox -- echo over-tls");
  EXPECT_EQ(ran.exitCode, 0) << ran.out;
  EXPECT_NE(ran.out.find("over-tls"), std::string::npos) << ran.out;
  // exec's stream (an upgraded connection) over TLS, piped stdin's end included (TlsStreamE2E
  // has more).
  Ran exec = shell("echo 6 | timeout 20 " + remote + " exec -i web sh -c 'read n; echo $((n * 7))'");
  EXPECT_EQ(exec.exitCode, 0) << exec.out;
  EXPECT_NE(exec.out.find("42"), std::string::npos) << exec.out;
  Ran wrongCa = shell(remote + " --tls-ca " + pki.file("other-ca.pem") + " ps");
  EXPECT_EQ(wrongCa.exitCode, 3) << wrongCa.out;
  EXPECT_NE(wrongCa.out.find("is not trusted"), std::string::npos) << wrongCa.out;
  EXPECT_NE(wrongCa.out.find("--tls-ca"), std::string::npos) << wrongCa.out;
  Ran plainToTls =
      shell("nsenter --net=" + network.monitor.path() + " " AGENT_BIN_DIR "/agentctl --api http://" + hostAddress(1) +
            ":9102 --token-file " + (agents[0]->root() / "state" / "token").string() + " ps");
  EXPECT_NE(plainToTls.exitCode, 0) << plainToTls.out;

  // The host overview with all five selected: its variable offers each, its panels answer, and
  // those drawn per host have a series for each.
  prometheus.queryUntil(
      "count_over_time(up{job=\"agent\"}[1m])", [](const auto& s) { return s.size() == kHosts && s[0].value >= 8; },
      30s);
  std::string all;
  for (int n = 1; n <= kHosts; ++n) all += (all.empty() ? "" : "|") + metricsTarget(n);
  std::ifstream in(AGENT_DASHBOARDS_DIR "/host-overview.json");
  auto board = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(board.is_discarded());
  for (const auto& variable : board["templating"]["list"]) {
    if (variable.value("name", "") != "instance") continue;
    EXPECT_TRUE(variable.value("multi", false)) << "$instance selects one host only";
    std::string query = variable["query"];  // label_values(METRIC, instance)
    std::string metric = query.substr(query.find('(') + 1, query.rfind(',') - query.find('(') - 1);
    std::set<std::string> offered;
    for (auto s : prometheus.query(metric).value_or(std::vector<Sample>{})) offered.insert(s.labels["instance"]);
    EXPECT_EQ(offered.size(), static_cast<size_t>(kHosts)) << metric;
  }
  for (const auto& panel : board["panels"]) {
    for (const auto& target : panel["targets"]) {
      std::string expr = target["expr"];
      for (auto [from, to] : {std::pair<std::string, std::string>{"$instance", all}, {"$__rate_interval", "30s"}})
        for (size_t at = expr.find(from); at != std::string::npos; at = expr.find(from, at + to.size()))
          expr.replace(at, from.size(), to);
      std::string error;
      auto series = prometheus.query(expr, &error);
      ASSERT_TRUE(series) << panel["title"] << ": " << expr << ": " << error;
      EXPECT_FALSE(series->empty()) << panel["title"] << " returns no series: " << expr;
      // Drawn per host (its series carry `instance`): one at least for each.
      if (series->empty() || series->front().labels.count("instance") == 0) continue;
      std::set<std::string> instances;
      for (const auto& s : *series) instances.insert(s.labels.count("instance") ? s.labels.at("instance") : "");
      EXPECT_EQ(instances.size(), static_cast<size_t>(kHosts)) << panel["title"] << ": " << expr;
    }
  }
  auto perHost = prometheus.queryUntil(
      "instance:agent_containers:count", [](const auto& s) { return s.size() == kHosts; }, 10s);
  EXPECT_EQ(perHost.size(), static_cast<size_t>(kHosts)) << "the fleet's recording rules";

  // host5's agentd dies: Prometheus sees it down, and it alone.
  agents[4]->stop(SIGKILL);
  auto down = prometheus.queryUntil(
      "up{job=\"agent\"} == 0", [](const auto& s) { return !s.empty(); }, 10s);
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].labels["instance"], metricsTarget(5));
  EXPECT_EQ(prometheus.query("up{job=\"agent\"} == 1").value_or(std::vector<Sample>{}).size(),
            static_cast<size_t>(kHosts - 1));
  // Back (its container re-adopted), so that its clean-up can remove what it made.
  agents[4]->start();
  EXPECT_EQ(prometheus
                .queryUntil(
                    "up{job=\"agent\", instance=\"" + metricsTarget(5) + "\"} == 1",
                    [](const auto& s) { return !s.empty(); }, 10s)
                .size(),
            1u);
}
