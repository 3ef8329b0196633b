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

namespace e2e {

struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

class PrometheusServer {
 public:
  // `rulesFiles`: rule files to load (their alerts and recordings are then queryable).
  explicit PrometheusServer(const std::string& metricsUrl, const std::vector<std::string>& rulesFiles = {});
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
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace e2e
