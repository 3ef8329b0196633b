#pragma once
// The network the bridge e2e tests run in (issue 15), made by the test and gone with it: a
// "host" namespace where agentd runs (its bridge, veths, nftables table and sysctls land there,
// never in the machine's), and an "outside" namespace standing for another machine, joined to
// the host by a veth on TEST-NET-2 (RFC 5737):
//
//   outside  wan1 198.51.100.2/24, default via 198.51.100.1
//      |  veth
//   host     wan0 198.51.100.1/24, lo; agentd, bridge agt0 10.213.0.1/24, containers behind it
//
// Nothing here reaches the machine's network: the two namespaces have no other link.
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "../host/TestNetns.h"
#include "E2ESupport.h"
#include "HttpClient.h"

namespace e2e {

using agent::hosttest::TestNetns;

class NetworkLab {
 public:
  static constexpr const char* kHostAddress = "198.51.100.1";
  static constexpr const char* kOutsideAddress = "198.51.100.2";
  static constexpr const char* kSubnet = "10.213.0.0/24";
  static constexpr const char* kGateway = "10.213.0.1";
  static constexpr const char* kBridge = "agt0";
  static constexpr const char* kDnsFallback = "192.0.2.53";
  // The agent's config for the lab; short intervals, so that a wiped table is found quickly.
  static std::string agentConfig() {
    return std::string("bridge_subnet: ") + kSubnet + "\nbridge_name: " + kBridge + "\ndns_fallback: [" + kDnsFallback +
           "]\ncollect_interval: 0.5\nreconcile_interval: 0.5\n";
  }

  NetworkLab() {
    host_.must("ip link set lo up");
    outside_.must("ip link set lo up");
    host_.must("ip link add wan0 type veth peer name wan1 netns " + std::to_string(outside_.pid()));
    host_.must(std::string("ip addr add ") + kHostAddress + "/24 dev wan0 && ip link set wan0 up");
    outside_.must(std::string("ip addr add ") + kOutsideAddress + "/24 dev wan1 && ip link set wan1 up");
    outside_.must(std::string("ip route add default via ") + kHostAddress);
  }

  const TestNetns& host() const { return host_; }
  const TestNetns& outside() const { return outside_; }
  Agent::InNetns agentNetns() const { return {host_.path()}; }

 private:
  TestNetns host_;
  TestNetns outside_;
};

// Polls `done` every 50 ms until it is true or `timeout` has passed; its last answer.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 3s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

// GET http://ADDRESS:PORT/PATH from inside `netns`: the body on a 200, else "error: ...".
inline std::string httpGet(const TestNetns& netns, const std::string& address, int port, const std::string& path,
                           std::chrono::milliseconds timeout = 2s) {
  std::string answer;
  netns.inside([&] {
    auto url = agent::ctl::parseHttpUrl("http://" + address + ":" + std::to_string(port));
    if (!url) {
      answer = "error: " + url.error().message();
      return;
    }
    auto reply = agent::ctl::httpExchange(*url, {"GET", path, {}, ""}, timeout);
    if (!reply)
      answer = "error: " + reply.error().message();
    else if (reply->status != 200)
      answer = "error: status " + std::to_string(reply->status);
    else
      answer = reply->body;
  });
  return answer;
}

// /metrics of an agentd in `netns` (its address is that namespace's 127.0.0.1).
inline std::string scrapeIn(const TestNetns& netns, const Agent& agent) {
  std::string text;
  std::string url = agent.metricsUrl();
  netns.inside([&] { text = scrape(url); });
  return text;
}

// The value of the first series of `metric` whose labels contain every one of `labels`
// (`name="web"`; none: the first series, with labels or without), or nullopt.
inline std::optional<double> sample(const std::string& scrapeText, const std::string& metric,
                                    const std::vector<std::string>& labels = {}) {
  size_t start = 0;
  while (start < scrapeText.size()) {
    size_t end = scrapeText.find('\n', start);
    if (end == std::string::npos) end = scrapeText.size();
    std::string line = scrapeText.substr(start, end - start);
    start = end + 1;
    if (line.compare(0, metric.size(), metric) != 0 || line.size() == metric.size()) continue;
    char next = line[metric.size()];
    if (next != '{' && next != ' ') continue;
    size_t valueAt = next == '{' ? line.rfind('}') : metric.size();
    if (valueAt == std::string::npos) continue;
    std::string labelText = line.substr(0, valueAt);
    bool all = true;
    for (const auto& label : labels) all = all && labelText.find(label) != std::string::npos;
    if (all) return std::stod(line.substr(valueAt + 1));
  }
  return std::nullopt;
}

// `agentctl inspect NAME` as JSON (an object; null when it failed).
inline nlohmann::json inspect(const Agent& agent, const std::string& name) {
  Ran ran = agent.ctl("inspect " + name);
  if (ran.exitCode != 0) return nullptr;
  auto json = nlohmann::json::parse(ran.out, nullptr, false);
  if (json.is_array() && json.size() == 1) return json[0];
  return json.is_object() ? json : nlohmann::json();
}

inline std::string addressOf(const Agent& agent, const std::string& name) {
  auto json = inspect(agent, name);
  return json.is_object() && json.contains("address") && json["address"].is_string()
             ? json["address"].get<std::string>()
             : "";
}

// A process listening on TCP `port` (every address) in `netns`: a forked child binds the socket
// and execs `sleep infinity` keeping it, so the holder is a process named "sleep" with pid().
class PortSquatter {
 public:
  PortSquatter(const TestNetns& netns, uint16_t port) {
    std::string path = netns.path();
    int ready[2];
    if (::pipe(ready) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::close(ready[0]);
      int ns = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) ::_exit(10);
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in any{};
      any.sin_family = AF_INET;
      any.sin_port = htons(port);
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 || ::listen(fd, 4) != 0) ::_exit(11);
      ::close(ready[1]);  // listening: the parent reads EOF after the exec below closes nothing else
      ::execlp("sleep", "sleep", "infinity", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(ready[1]);
    char byte;
    while (::read(ready[0], &byte, 1) > 0) {
    }
    ::close(ready[0]);
    // Listening (or failed): wait until it shows in /proc/PID/comm as sleep.
    eventually([&] { return firstWord("/proc/" + std::to_string(pid_) + "/comm") == "sleep"; }, 2s);
  }
  ~PortSquatter() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  PortSquatter(const PortSquatter&) = delete;
  PortSquatter& operator=(const PortSquatter&) = delete;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace e2e
