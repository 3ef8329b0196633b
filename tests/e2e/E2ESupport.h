#pragma once
// What the e2e tests share: a shell runner, an agentd of the test's own (free ports, its own
// directories and cgroup parent, removed afterwards), a JSON field picker, a scrape.
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "HttpClient.h"

namespace e2e {

// A test whose tool (docker.io, podman, containerd, tmux, umoci...) is missing skips with the
// reason on a developer's machine, and fails under CI (CI set and not "false"): there the set-up
// installs every tool, so a missing one is a set-up fault, never a silent skip.
// The largest CPU weight for a test's own parent and container (never anything else), so a
// container spinning under a quota gets its whole quota on a loaded machine: what a test checks
// is what agentd reads, not how the scheduler shares the CPUs with other work.
inline void favour(const std::string& cgroup, const std::string& parent) {
  namespace fs = std::filesystem;
  for (const auto& path : {parent, cgroup}) {
    if (fs::exists("/sys/fs/cgroup/cpu" + path + "/cpu.shares"))
      std::ofstream("/sys/fs/cgroup/cpu" + path + "/cpu.shares") << "262144";
    else if (fs::exists("/sys/fs/cgroup" + path + "/cpu.weight"))
      std::ofstream("/sys/fs/cgroup" + path + "/cpu.weight") << "10000";
  }
}

inline bool underCi() {
  const char* ci = std::getenv("CI");
  return ci && *ci && std::string(ci) != "false";
}
#define AGENT_SKIP_OR_FAIL_UNDER_CI(reason)                              \
  do {                                                                   \
    if (::e2e::underCi()) FAIL() << "cannot run under CI: " << (reason); \
    GTEST_SKIP() << (reason);                                            \
  } while (0)

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Ran {
  int exitCode = -1;
  std::string out;
};

inline Ran shell(const std::string& command) {
  Ran ran;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return ran;
  std::array<char, 4096> chunk;
  while (size_t n = std::fread(chunk.data(), 1, chunk.size(), pipe)) ran.out.append(chunk.data(), n);
  int status = ::pclose(pipe);
  ran.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return ran;
}

// Where an Agent listens, instead of free ports on 127.0.0.1, and a name put at the end of its
// cgroup parent (`/agent-test-PID-RANDOM-NAME`): one agent of several (FleetE2E).
struct AgentListen {
  std::string api = "127.0.0.1:0";
  std::string metrics = "127.0.0.1:0";
  std::string name;
};

class Agent {
 public:
  static constexpr size_t kStandby = 2;  // standby containers each test agent keeps
  // A network namespace for agentd (/proc/PID/ns/net of a process holding one the test made):
  // agentd is started inside it, and agentctl run in it (through nsenter) to reach its API on
  // that namespace's 127.0.0.1. The namespace must outlive the Agent.
  struct InNetns {
    std::string path;
  };
  Agent(InNetns netns, std::string extraConfig)
      : Agent(std::move(extraConfig), {}, AGENT_BIN_DIR "/agentd", netns.path) {}
  using Listen = AgentListen;
  Agent(InNetns netns, std::string extraConfig, Listen listen)
      : Agent(std::move(extraConfig), {}, AGENT_BIN_DIR "/agentd", netns.path, std::move(listen)) {}
  // `inheritedFiles`: descriptor number -> file under root(), opened for agentd to inherit
  // (without close-on-exec), as a shell's `42>file` or a supervisor hands them over.
  // `agentdPath`: another agentd binary (a copy the test may let a container attack; it
  // finds the agent-shim beside it).
  explicit Agent(std::string extraConfig = "", std::vector<std::pair<int, std::string>> inheritedFiles = {},
                 std::string agentdPath = AGENT_BIN_DIR "/agentd", std::string netnsPath = "", Listen listen = {})
      : extraConfig_(std::move(extraConfig)),
        inheritedFiles_(std::move(inheritedFiles)),
        agentdPath_(std::move(agentdPath)),
        netnsPath_(std::move(netnsPath)),
        listen_(std::move(listen)) {
    std::random_device random;
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
    root_ = fs::temp_directory_path() / ("agent-test-e2e-" + std::string(suffix));
    cgroupParent_ = "/agent-test-" + std::to_string(::getpid()) + "-" + suffix;
    if (!listen_.name.empty()) cgroupParent_ += "-" + listen_.name;
    // Its own images directory (an import must not land in the shared build tree), with
    // the busybox image linked in.
    fs::create_directories(root_ / "data" / "images");
    fs::create_directories(root_ / "policies");  // never the host's /etc/agent/policies.d
    fs::create_directory_symlink(AGENT_TEST_IMAGES "/busybox", root_ / "data" / "images" / "busybox");
    start();
  }
  ~Agent() {
    for (const auto& id : listIds()) shell(ctlCommand() + " rm -f " + id);
    stop(SIGTERM);
    shell("for d in /sys/fs/cgroup/*" + cgroupParent_ + " /sys/fs/cgroup/*/*" + cgroupParent_ +
          "; do [ -d $d ] && rmdir $d; done");
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  void start() {
    fs::remove(root_ / "state" / "api");
    std::ofstream config(root_ / "agent.yaml");
    config << "standby_containers: " << kStandby << "\n" << extraConfig_;
    // Never the host's Docker (/var/run/docker.sock): a test that wants an engine names its
    // own private one in `engines:`.
    if (extraConfig_.find("engines:") == std::string::npos)
      config << "\nengines: {docker: {enabled: false}, podman: {enabled: false}}\n";
    config.close();
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string log = (root_ / "agentd.log").string();
      if (!std::freopen(log.c_str(), "a", stdout) || !std::freopen(log.c_str(), "a", stderr)) ::_exit(126);
      for (const auto& [number, name] : inheritedFiles_) {
        int fd = ::open((root_ / name).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd < 0 || ::dup2(fd, number) < 0) ::_exit(126);
        if (fd != number) ::close(fd);
      }
      if (!netnsPath_.empty()) {
        int ns = ::open(netnsPath_.c_str(), O_RDONLY | O_CLOEXEC);
        if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) ::_exit(125);
        ::close(ns);
      }
      std::string state = (root_ / "state").string(), data = (root_ / "data").string();
      std::string config = (root_ / "agent.yaml").string(), policies = (root_ / "policies").string();
      ::execl(agentdPath_.c_str(), "agentd", "--config", config.c_str(), "--state-dir", state.c_str(), "--data-dir",
              data.c_str(), "--api-address", listen_.api.c_str(), "--metrics-address", listen_.metrics.c_str(),
              "--cgroup-parent", cgroupParent_.c_str(), "--policy-dir", policies.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 500 && !fs::exists(root_ / "state" / "api"); ++i) std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(fs::exists(root_ / "state" / "api")) << log();
  }
  void signal(int signal) const {
    if (pid_ > 0) ::kill(pid_, signal);
  }
  void stop(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    // Asked to stop, agentd stops cleanly: a crash on the way out (a stack smash, an abort)
    // would leave standby cgroups and lose nothing visible otherwise.
    if (signal == SIGTERM) {
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "agentd did not stop cleanly on SIGTERM (status " << status << ")\n"
          << log();
    }
  }
  // True once agentd has exited (after a signal()), reaping it; its status then in exitStatus().
  bool exited() {
    if (pid_ <= 0) return true;
    if (::waitpid(pid_, &status_, WNOHANG) != pid_) return false;
    pid_ = -1;
    return true;
  }
  int exitStatus() const { return status_; }
  std::string ctlCommand() const {
    std::string ctl = AGENT_BIN_DIR "/agentctl --state-dir " + (root_ / "state").string();
    return netnsPath_.empty() ? ctl : "nsenter --net=" + netnsPath_ + " " + ctl;
  }
  Ran ctl(const std::string& args) const { return shell(ctlCommand() + " " + args); }
  std::string log() const {
    std::ifstream in(root_ / "agentd.log");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::vector<std::string> listIds() const {
    std::vector<std::string> ids;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root_ / "state" / "containers", ec))
      ids.push_back(entry.path().filename());
    return ids;
  }
  const fs::path& root() const { return root_; }
  const std::string& cgroupParent() const { return cgroupParent_; }
  // The URL agentd serves /metrics on, as it wrote it to the state directory.
  std::string metricsUrl() const {
    std::ifstream in(root_ / "state" / "metrics");
    std::string url;
    std::getline(in, url);
    return url;
  }
  pid_t pid() const { return pid_; }
  // YAML lines added to the agent's config at its next start().
  void setExtraConfig(std::string yaml) { extraConfig_ = std::move(yaml); }

 private:
  fs::path root_;
  std::string cgroupParent_;
  pid_t pid_ = -1;
  int status_ = 0;
  std::string extraConfig_;
  std::vector<std::pair<int, std::string>> inheritedFiles_;
  std::string agentdPath_;
  std::string netnsPath_;
  Listen listen_;
};

// The first word of a file (a cgroup control file: "50000 100000" -> "50000").
inline std::string firstWord(const std::string& file) {
  std::ifstream in(file);
  std::string word;
  in >> word;
  return word;
}

// Waits until `file` reads `want` (first word), up to `timeout`.
inline bool becomes(const std::string& file, const std::string& want, std::chrono::milliseconds timeout = 5s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (firstWord(file) == want) return true;
    std::this_thread::sleep_for(100ms);
  }
  return firstWord(file) == want;
}

inline std::string field(const std::string& json, const std::string& key) {
  size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return "";
  at += key.size() + 3;
  while (json[at] == ' ') ++at;
  size_t end = json.find_first_of(",\n}", at);
  std::string value = json.substr(at, end - at);
  if (!value.empty() && value.front() == '"') value = value.substr(1, value.size() - 2);
  return value;
}

// The text of one /metrics scrape at `metricsUrl` (as agentd wrote it), or "" if it failed.
inline std::string scrape(const std::string& metricsUrl) {
  auto url = agent::ctl::parseHttpUrl(metricsUrl.substr(0, metricsUrl.rfind('/')));
  if (!url) return "";
  auto reply = agent::ctl::httpExchange(*url, {"GET", "/metrics", {}, ""}, 5s);
  return reply && reply->status == 200 ? reply->body : "";
}

}  // namespace e2e
