#include "DaemonStartup.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "ChildProcessState.h"
#include "EventLoop.h"
#include "Namespaces.h"

namespace agent {

namespace fs = std::filesystem;

bool setLogLevel(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::set_level(parsed);
  return true;
}

// Blocked before any thread starts: threads inherit the mask, and one without it would take a
// SIGTERM with the default action and end agentd on the spot. They arrive through the
// returned descriptor, so the event loop handles them in order.
int blockSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&signals, s);
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return ::signalfd(-1, &signals, SFD_CLOEXEC);
}

// What must hold before agentd touches anything: the log level, root, its directories.
// Returns agentd's exit code when it cannot start: 2 a bad option, 1 anything else; else 0.
int checkPrerequisites(const AgentConfig& config) {
  if (!setLogLevel(config.logLevel)) {
    spdlog::error("msg=\"unknown log level\" level={} hint=\"use trace, debug, info, warn or error\"", config.logLevel);
    return 2;
  }
  if (::geteuid() != 0) {
    spdlog::error("msg=\"agentd must run as root: it creates cgroups and namespaces\" hint=\"start it with sudo\"");
    return 1;
  }
  for (const auto& dir :
       {config.stateDir, config.dataDir + "/images", config.dataDir + "/containers", config.dataDir + "/uploads"}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      spdlog::error("msg=\"cannot create directory\" path={} error=\"{}\"", dir, ec.message());
      return 1;
    }
  }
  return 0;
}

// A descriptor per watched cgroup directory and a pidfd per container: the soft limit
// (1024 in a login shell) ran out at about 110 containers. Shims get the old one back.
void raiseAndCheckFdLimit() {
  raiseFdLimit();
  if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < 9 * 1000) {
    // About 9 descriptors per container (its cgroup directories, control files, a pidfd).
    spdlog::warn(
        "msg=\"few open files allowed; runs fail with 'Too many open files' from about {} containers\" "
        "limit={} hint=\"raise the hard limit (systemd: LimitNOFILE=infinity; a shell: ulimit -Hn)\"",
        files.rlim_cur / 9, files.rlim_cur);
  }
}

void readopt(container::ContainerRuntime& runtime, size_t standby) {
  auto list = runtime.list();
  if (!list) return;
  size_t running = 0;
  for (const auto& c : *list) running += c.status.state != container::ContainerState::Stopped;
  auto watched = runtime.watchRunning();
  runtime.keepStandby(standby);
  spdlog::info("msg=\"re-adopted containers\" total={} running={} watched={}", list->size(), running,
               watched.shims + watched.lost.size());
  for (const auto& lost : watched.lost) logShimLoss(lost);
  for (const auto& open : watched.devicesUnconfined) {
    spdlog::warn("msg=\"container has no device confinement\" id={} name=\"{}\" why=\"{}\"", open.id.substr(0, 12),
                 open.name, open.why);
  }
  if (watched.deviceProgramsRestored > 0) {
    spdlog::warn("msg=\"device programs were missing; attached again\" containers={}", watched.deviceProgramsRestored);
  }
}

// A pod with a private cgroup namespace (Kubernetes on cgroup v2 gives one to every container
// that is not privileged) reads its own cgroup as "/" and other processes' as "/../..": those
// paths disagree with the host's tree that a hostPath /sys/fs/cgroup shows (docs/deploy.md).
void warnOnPrivateCgroupNamespace() {
  auto cgroupNs = [](pid_t pid) -> std::optional<uint64_t> {
    auto all = ns::readNamespaces("/proc", pid);
    if (!all) return std::nullopt;
    for (const auto& n : *all)
      if (n.type == "cgroup") return n.inode;
    return std::nullopt;
  };
  auto own = cgroupNs(0), init = cgroupNs(1);
  if (own && init && *own != *init) {
    spdlog::warn(
        "msg=\"agentd is in a cgroup namespace of its own, not PID 1's: cgroup paths from /proc are relative to it\" "
        "cgroupns={} init_cgroupns={} hint=\"run it in the host's cgroup namespace (Kubernetes: a privileged "
        "container; docker: --cgroupns host)\"",
        *own, *init);
  }
}

}  // namespace agent
