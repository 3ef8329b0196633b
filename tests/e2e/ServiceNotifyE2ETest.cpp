// agentd under a service manager, without systemd: the test plays systemd's side of the
// readiness protocol (sd_notify(3)), a unix datagram socket named by NOTIFY_SOCKET. READY=1
// must come when the API answers and metrics are there (what Type=notify lets `systemctl
// start` wait for), RELOADING=1 then READY=1 around a SIGHUP, STOPPING=1 on SIGTERM; and the
// socket must reach neither agent-shim nor a container.
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <sstream>

#include "E2ESupport.h"

using namespace e2e;

namespace {

// systemd's end: every datagram, in order; at the first READY=1 it asks agentd's /healthz
// and scrapes /metrics at once, at the addresses STATUS= names.
class NotifyListener {
 public:
  NotifyListener() {
    path_ = (fs::temp_directory_path() / ("agent-test-notify-" + std::to_string(::getpid()))).string();
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path_.c_str());
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval tick{0, 100 * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    thread_ = std::thread([this] { receive(); });
  }
  ~NotifyListener() {
    done_ = true;
    thread_.join();
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }

  // Waits until `count` messages arrived; returns them all.
  std::vector<std::string> waitFor(size_t count, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
    return messages_;
  }
  int healthzAtReady() {
    std::lock_guard lock(mutex_);
    return healthzAtReady_;
  }
  std::string metricsAtReady() {
    std::lock_guard lock(mutex_);
    return metricsAtReady_;
  }

 private:
  void receive() {
    char buffer[4096];
    while (!done_) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) continue;
      std::string message(buffer, static_cast<size_t>(n));
      bool firstReady = message.rfind("READY=1\n", 0) == 0 && healthzAtReady_ == -1;
      int healthz = 0;
      std::string metrics;
      if (firstReady) {
        // STATUS=serving api URL metrics URL
        std::istringstream words(message.substr(message.find("STATUS=") + 7));
        std::string word, api, metricsUrl;
        while (words >> word) {
          if (word == "api") words >> api;
          if (word == "metrics") words >> metricsUrl;
        }
        if (auto url = agent::ctl::parseHttpUrl(api)) {
          auto reply = agent::ctl::httpExchange(*url, {"GET", "/healthz", {}, ""}, 2s);
          healthz = reply ? reply->status : 0;
        }
        metrics = scrape(metricsUrl);
      }
      std::lock_guard lock(mutex_);
      if (firstReady) {
        healthzAtReady_ = healthz;
        metricsAtReady_ = metrics;
      }
      messages_.push_back(message);
      arrived_.notify_all();
    }
  }

  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
  std::atomic<bool> done_{false};
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<std::string> messages_;
  int healthzAtReady_ = -1;
  std::string metricsAtReady_;
  std::thread thread_;
};

// The first line of a notification ("READY=1", "RELOADING=1", "STOPPING=1").
std::string kind(const std::string& message) {
  return message.substr(0, message.find('\n'));
}

std::string environOf(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/environ");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text;
}

std::string parentOf(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("PPid:", 0) == 0) return std::to_string(std::stoi(line.substr(5)));
  return "";
}

}  // namespace

TEST(ServiceNotifyE2E, ReadyOnceServingReloadAroundSighupStoppingOnSigterm) {
  NotifyListener systemd;
  ASSERT_TRUE(systemd.bound()) << systemd.path();
  // Inherited by the agentd the Agent forks now, and by nothing after.
  ::setenv("NOTIFY_SOCKET", systemd.path().c_str(), 1);
  Agent agent;
  ::unsetenv("NOTIFY_SOCKET");

  auto messages = systemd.waitFor(1);
  ASSERT_EQ(messages.size(), 1u) << agent.log();
  EXPECT_EQ(kind(messages[0]), "READY=1") << messages[0];
  EXPECT_NE(messages[0].find("\nSTATUS=serving api http://127.0.0.1:"), std::string::npos) << messages[0];
  EXPECT_EQ(systemd.healthzAtReady(), 200) << "the API did not answer /healthz when agentd said READY=1";
  EXPECT_NE(systemd.metricsAtReady().find("agent_build_info"), std::string::npos)
      << "no metrics when agentd said READY=1";

  // Neither a container nor its shim (which gets agentd's environment) sees the socket.
  Ran env = agent.ctl("run --rm busybox env");
  ASSERT_EQ(env.exitCode, 0) << env.out;
  EXPECT_EQ(env.out.find("NOTIFY_SOCKET"), std::string::npos) << env.out;
  Ran started = agent.ctl("run -d --name sleeper busybox -- sleep 600");
  ASSERT_EQ(started.exitCode, 0) << started.out;
  std::string pid1 = field(agent.ctl("inspect sleeper").out, "pid");
  ASSERT_FALSE(pid1.empty());
  std::string shim = parentOf(pid1);
  ASSERT_FALSE(environOf(shim).empty()) << "cannot read the shim's environment (pid " << shim << ")";
  EXPECT_EQ(environOf(shim).find("NOTIFY_SOCKET"), std::string::npos) << "agent-shim " << shim;
  EXPECT_EQ(environOf(pid1).find("NOTIFY_SOCKET"), std::string::npos) << "PID 1 " << pid1;
  ASSERT_EQ(agent.ctl("rm -f sleeper").exitCode, 0);

  agent.signal(SIGHUP);
  messages = systemd.waitFor(3);
  ASSERT_EQ(messages.size(), 3u) << agent.log();
  EXPECT_EQ(kind(messages[1]), "RELOADING=1") << messages[1];
  EXPECT_NE(messages[1].find("\nMONOTONIC_USEC="), std::string::npos) << messages[1];
  EXPECT_EQ(kind(messages[2]), "READY=1") << messages[2];
  EXPECT_EQ(messages[2].find("failed"), std::string::npos) << messages[2];

  // A reload that cannot take a policy file is still READY=1 (the set in force stays), and
  // says so in STATUS, which `systemctl status` shows.
  std::ofstream(agent.root() / "policies" / "bad.yaml") << "policies:\n  - name: [\n";
  agent.signal(SIGHUP);
  messages = systemd.waitFor(5);
  ASSERT_EQ(messages.size(), 5u) << agent.log();
  EXPECT_EQ(kind(messages[4]), "READY=1") << messages[4];
  EXPECT_NE(messages[4].find("; the last reload failed: policy files with errors (agentctl policy list)"),
            std::string::npos)
      << messages[4];

  agent.stop(SIGTERM);
  messages = systemd.waitFor(6);
  ASSERT_EQ(messages.size(), 6u);
  EXPECT_EQ(kind(messages[5]), "STOPPING=1") << messages[5];
}

// Without NOTIFY_SOCKET (every other e2e test) nothing is sent; a socket that does not exist
// costs one warning, and agentd serves all the same.
TEST(ServiceNotifyE2E, AnUnreachableSocketIsOneWarning) {
  std::string missing = (fs::temp_directory_path() / "agent-test-no-such-notify-socket").string();
  ::setenv("NOTIFY_SOCKET", missing.c_str(), 1);
  Agent agent;
  ::unsetenv("NOTIFY_SOCKET");
  agent.signal(SIGHUP);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(agent.ctl("ps").exitCode, 0);
  std::string log = agent.log();
  size_t first = log.find("cannot notify the service manager");
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("cannot notify the service manager", first + 1), std::string::npos) << log;
}
