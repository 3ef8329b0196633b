#include "PrometheusServer.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include <yaml-cpp/yaml.h>

#include "HttpClient.h"

namespace e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A port nothing listens on right now (the kernel's pick for port 0).
int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string urlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace

PrometheusServer::PrometheusServer(const std::string& metricsUrl, const std::vector<std::string>& rulesFiles) {
  // http://127.0.0.1:PORT/metrics -> 127.0.0.1:PORT. Parsed before anything is made: a
  // constructor that throws leaves nothing for the destructor to clean.
  size_t scheme = metricsUrl.find("//");
  if (scheme == std::string::npos) return;  // not ready(): the test fails on that
  std::string target = metricsUrl.substr(scheme + 2);
  target = target.substr(0, target.find('/'));
  // The sample a newcomer copies (dashboards/prometheus.yml, job `agent`), with this agent as
  // its target: what the tests see is what users run.
  start({AGENT_DASHBOARDS_DIR "/prometheus.yml", {target}, rulesFiles, ""});
}

PrometheusServer::PrometheusServer(const PrometheusSetup& setup) {
  start(setup);
}

void PrometheusServer::start(const PrometheusSetup& setup) {
  netnsPath_ = setup.netnsPath;
  std::random_device random;
  dir_ = fs::temp_directory_path() / ("agent-test-prometheus-" + std::to_string(random()));
  fs::create_directories(dir_ / "data");
  fs::create_directories(dir_ / "targets");
  {
    // The rules asked for and a 1 s interval; every job scrapes the targets given.
    YAML::Node config = YAML::LoadFile(setup.configFile);
    config["global"]["scrape_interval"] = "1s";
    config["global"]["evaluation_interval"] = "1s";
    config.remove("rule_files");
    if (!setup.rulesFiles.empty()) config["rule_files"] = setup.rulesFiles;
    for (auto job : config["scrape_configs"]) {
      for (auto group : job["static_configs"]) group["targets"] = setup.targets;
      for (auto files : job["file_sd_configs"]) {
        files["files"] = std::vector<std::string>{(dir_ / "targets" / "*.json").string()};
        files["refresh_interval"] = "1s";
      }
    }
    std::ofstream(dir_ / "prometheus.yml") << config << "\n";
    nlohmann::json group = {{"targets", setup.targets}, {"labels", nlohmann::json::object()}};
    std::ofstream(dir_ / "targets" / "agents.json") << nlohmann::json::array({group}).dump(2) << "\n";
  }
  port_ = freeLoopbackPort();
  pid_ = ::fork();
  if (pid_ == 0) {
    std::string log = (dir_ / "prometheus.log").string();
    if (!std::freopen(log.c_str(), "w", stdout) || !std::freopen(log.c_str(), "a", stderr)) ::_exit(126);
    if (!setup.netnsPath.empty()) {
      int ns = ::open(setup.netnsPath.c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) ::_exit(125);
      ::close(ns);
    }
    std::string configFlag = "--config.file=" + (dir_ / "prometheus.yml").string();
    std::string dataFlag = "--storage.tsdb.path=" + (dir_ / "data").string();
    std::string listenFlag = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
    ::execlp("prometheus", "prometheus", configFlag.c_str(), dataFlag.c_str(), listenFlag.c_str(),
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 300 && !ready_; ++i) {
    auto reply = ask("/-/ready", 1s);
    ready_ = reply && reply->status == 200;
    if (!ready_) std::this_thread::sleep_for(50ms);
  }
}

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ignored;
  if (!dir_.empty()) fs::remove_all(dir_, ignored);
}

agent::Result<agent::ctl::HttpReply> PrometheusServer::ask(const std::string& path,
                                                           std::chrono::milliseconds timeout) const {
  agent::ctl::HttpUrl url{"127.0.0.1", std::to_string(port_), "", false, ""};
  auto exchange = [&] { return agent::ctl::httpExchange(url, {"GET", path, {}, ""}, timeout); };
  if (netnsPath_.empty()) return exchange();
  // From a thread in Prometheus' namespace: the test's own threads never move.
  std::optional<agent::Result<agent::ctl::HttpReply>> reply;
  std::thread([&] {
    int ns = ::open(netnsPath_.c_str(), O_RDONLY | O_CLOEXEC);
    bool entered = ns >= 0 && ::setns(ns, CLONE_NEWNET) == 0;
    if (ns >= 0) ::close(ns);
    reply = entered ? exchange() : agent::systemError("setns", netnsPath_);
  }).join();
  return *reply;
}

std::string PrometheusServer::log() const {
  std::ifstream in(dir_ / "prometheus.log");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::optional<std::vector<Sample>> PrometheusServer::query(const std::string& promql, std::string* error) const {
  auto reply = ask("/api/v1/query?query=" + urlEncode(promql), 5s);
  if (!reply) {
    if (error) *error = reply.error().message();
    return std::nullopt;
  }
  auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (body.is_discarded() || body.value("status", "") != "success") {
    if (error) *error = reply->body;
    return std::nullopt;
  }
  std::vector<Sample> samples;
  for (const auto& result : body["data"]["result"]) {
    Sample sample;
    for (const auto& [k, v] : result["metric"].items()) sample.labels[k] = v.get<std::string>();
    sample.value = std::stod(result["value"][1].get<std::string>());
    samples.push_back(std::move(sample));
  }
  return samples;
}

std::vector<Sample> PrometheusServer::queryUntil(const std::string& promql,
                                                 const std::function<bool(const std::vector<Sample>&)>& accept,
                                                 std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<Sample> last;
  while (true) {
    if (auto got = query(promql)) {
      last = *got;
      if (accept(last)) return last;
    }
    if (std::chrono::steady_clock::now() >= deadline) return last;
    std::this_thread::sleep_for(500ms);
  }
}

}  // namespace e2e
