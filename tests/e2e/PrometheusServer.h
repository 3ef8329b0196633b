#pragma once
// A real Prometheus server (Debian's) for the e2e tier: on a free loopback port, its own
// data directory, scraping the given /metrics URL every second. Stopped and removed with
// the object.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "HttpClient.h"

namespace e2e {

struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

// A Prometheus for several agents (FleetE2E): a config of the project's, its targets given to
// every job (file_sd jobs get a file of their own, re-read every second), in a network namespace.
struct PrometheusSetup {
  std::string configFile;               // dashboards/prometheus.yml, deploy/prometheus/prometheus.yml
  std::vector<std::string> targets;     // HOST:PORT of each agent's /metrics
  std::vector<std::string> rulesFiles;  // loaded instead of the config's rule_files
  std::string netnsPath;                // /proc/PID/ns/net: Prometheus runs, and is asked, there; empty: here
};

class PrometheusServer {
 public:
  // `rulesFiles`: rule files to load (their alerts and recordings are then queryable).
  explicit PrometheusServer(const std::string& metricsUrl, const std::vector<std::string>& rulesFiles = {});
  explicit PrometheusServer(const PrometheusSetup& setup);
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  bool ready() const { return ready_; }
  std::string log() const;
  // An instant query; nullopt if Prometheus refused it (the reason goes to `error`).
  std::optional<std::vector<Sample>> query(const std::string& promql, std::string* error = nullptr) const;
  // Repeats `query` until `accept` holds for its result or `timeout` passes; the last result.
  std::vector<Sample> queryUntil(const std::string& promql,
                                 const std::function<bool(const std::vector<Sample>&)>& accept,
                                 std::chrono::milliseconds timeout) const;

 private:
  void start(const PrometheusSetup& setup);
  agent::Result<agent::ctl::HttpReply> ask(const std::string& path, std::chrono::milliseconds timeout) const;
  std::filesystem::path dir_;
  std::string netnsPath_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace e2e
