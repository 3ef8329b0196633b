#include "Daemon.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <cmath>

#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "ApiMetrics.h"
#include "ApiToken.h"
#include "AtomicFile.h"
#include "ChildProcessState.h"
#include "CollectionLoop.h"
#include "ContainerApi.h"
#include "ContainerRuntime.h"
#include "EnforcementMetrics.h"
#include "FileAt.h"
#include "HttpApi.h"
#include "LimitsApi.h"
#include "MetricsServer.h"
#include "OverrideStore.h"
#include "PolicyApi.h"
#include "PolicyStore.h"
#include "Reconciler.h"
#include "StateDirLock.h"
#include "Version.h"

namespace agent {

namespace fs = std::filesystem;

namespace {

// Other runtimes' containers, as the latest snapshot classified them: by full id, id prefix
// (12 characters or more) or name. An ambiguous reference finds none.
DiscoveredLookup discoveredIn(std::shared_ptr<LatestSnapshot> snapshots) {
  return [snapshots](const std::string& ref) -> std::optional<LimitTarget> {
    auto snapshot = snapshots->latest();
    if (!snapshot) return std::nullopt;
    std::optional<LimitTarget> found;
    for (const auto& s : snapshot->cgroups) {
      auto runtime = s.classification.runtime;
      if (runtime == collectors::Runtime::Agent || !collectors::isContainerRuntime(runtime)) continue;
      const std::string& id = s.classification.id;
      bool match = id == ref || s.name == ref || (ref.size() >= 12 && id.compare(0, ref.size(), ref) == 0);
      if (!match) continue;
      if (found && found->key != s.path) return std::nullopt;
      found = LimitTarget{s.path, s.name, s.path, false, {}, true};
    }
    return found;
  };
}

// What the reconciler may match policies against besides the agent's own containers: other
// runtimes' containers (by their names), and every other cgroup (by path only).
DiscoveredList discoveredListIn(std::shared_ptr<LatestSnapshot> snapshots) {
  return [snapshots] {
    std::vector<LimitTarget> out;
    auto snapshot = snapshots->latest();
    if (!snapshot) return out;
    std::set<std::string> containers;
    for (const auto& s : snapshot->cgroups) {
      auto runtime = s.classification.runtime;
      if (runtime == collectors::Runtime::Agent || !collectors::isContainerRuntime(runtime)) continue;
      out.push_back(LimitTarget{s.path, s.name, s.path, false, {}, true});
      containers.insert(s.path);
    }
    if (snapshot->allPaths) {
      for (const auto& path : *snapshot->allPaths) {
        if (path != "/" && !containers.count(path)) out.push_back(LimitTarget{path, path, path, false, {}, false});
      }
    }
    return out;
  };
}

std::string besideThisBinary(const std::string& name) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? name : (self.parent_path() / name).string();
}

// Loud: the container runs on, but its exit status is lost for good.
void logShimLoss(const container::ShimLoss& lost) {
  spdlog::error(
      "msg=\"container's shim was killed while the container runs; its exit code cannot be recorded\" id={} "
      "shim_pid={} pid={} hint=\"agentd watches PID 1 itself and records the stop; stop, kill and rm work; "
      "find what killed the shim (dmesg, the audit log)\"",
      lost.id.substr(0, 12), lost.shimPid, lost.pid1);
}

bool setLogLevel(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::set_level(parsed);
  return true;
}

}  // namespace

int runDaemon(AgentConfig config, bool configFileRequired) {
  // Signals arrive through a file descriptor, so the loop below handles them in order. Blocked
  // before any thread starts: threads inherit the mask, and one without it would take a
  // SIGTERM with the default action and end agentd on the spot.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&signals, s);
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);
  int signalFd = ::signalfd(-1, &signals, SFD_CLOEXEC);
  ::signal(SIGPIPE, SIG_IGN);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  if (!setLogLevel(config.logLevel)) {
    spdlog::error("msg=\"unknown log level\" level={} hint=\"use trace, debug, info, warn or error\"", config.logLevel);
    return 2;
  }
  if (::geteuid() != 0) {
    spdlog::error("msg=\"agentd must run as root: it creates cgroups and namespaces\"");
    return 1;
  }
  for (const auto& dir : {config.stateDir, config.dataDir + "/images", config.dataDir + "/containers"}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      spdlog::error("msg=\"cannot create directory\" path={} error=\"{}\"", dir, ec.message());
      return 1;
    }
  }
  // Before anything in the state directory is touched (standby leftovers, the api file).
  auto lock = StateDirLock::acquire(config.stateDir);
  if (!lock) {
    spdlog::error("msg=\"cannot start\" error=\"{}\"", lock.error().message());
    return 1;
  }
  // A descriptor per watched cgroup directory and a pidfd per container: the soft limit
  // (1024 in a login shell) ran out at about 110 containers. Shims get the old one back.
  raiseFdLimit();
  if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < 9 * 1000) {
    // About 9 descriptors per container (its cgroup directories, control files, a pidfd).
    spdlog::warn(
        "msg=\"few open files allowed; runs fail with 'Too many open files' from about {} containers\" "
        "limit={} hint=\"raise the hard limit (systemd: LimitNOFILE=infinity; a shell: ulimit -Hn)\"",
        files.rlim_cur / 9, files.rlim_cur);
  }
  auto token = ensureApiToken(config.stateDir + "/token");
  if (!token) {
    spdlog::error("msg=\"cannot set up the API token\" error=\"{}\"", token.error().message());
    return 1;
  }
  auto hierarchy = cgroup::Hierarchy::detect();
  if (!hierarchy) {
    spdlog::error("msg=\"no usable cgroups\" error=\"{}\"", hierarchy.error().message());
    return 1;
  }
  container::RuntimeConfig runtimeConfig;
  runtimeConfig.stateDir = config.stateDir;
  runtimeConfig.dataDir = config.dataDir;
  runtimeConfig.shimPath = config.shimPath.empty() ? besideThisBinary("agent-shim") : config.shimPath;
  runtimeConfig.cgroupParent = config.cgroupParent;
  runtimeConfig.logMaxBytes = config.logMaxBytes;
  container::ContainerRuntime runtime(runtimeConfig, *hierarchy);

  if (auto list = runtime.list()) {
    size_t running = 0;
    for (const auto& c : *list) running += c.status.state != container::ContainerState::Stopped;
    auto watched = runtime.watchRunning();
    runtime.keepStandby(config.standbyContainers);
    spdlog::info("msg=\"re-adopted containers\" total={} running={} watched={}", list->size(), running,
                 watched.shims + watched.lost.size());
    for (const auto& lost : watched.lost) logShimLoss(lost);
  }

  auto overrides = policies::OverrideStore::open(config.stateDir);
  if (!overrides) {
    spdlog::error("msg=\"cannot read the limit overrides\" error=\"{}\"", overrides.error().message());
    return 1;
  }
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  unsigned hostCpus = cpus > 0 ? static_cast<unsigned>(cpus) : 1;
  auto policyStore = std::make_shared<PolicyStore>(config.policyDir, hostCpus);
  policyStore->reload();  // a bad set at start: no policies, the errors logged and shown by `policy list`
  auto enforcementMetrics = std::make_shared<EnforcementMetrics>();
  auto snapshots = std::make_shared<LatestSnapshot>();
  Reconciler reconciler(
      runtime, *hierarchy, *overrides, *policyStore, *enforcementMetrics,
      {config.enforce, std::chrono::milliseconds(static_cast<int64_t>(config.reconcileIntervalSeconds * 1000))},
      discoveredListIn(snapshots));
  LimitsApi limitsApi(reconciler, *overrides, *hierarchy, discoveredIn(snapshots), hostCpus);
  PolicyApi policyApi(*policyStore, [&reconciler] { reconciler.reconcileAll(false); });
  ContainerApi containerApi(runtime, *hierarchy);
  containerApi.setLimitsApi(&limitsApi);
  containerApi.setPolicyApi(&policyApi);
  StatsApi statsApi(snapshots);
  containerApi.setStatsApi(&statsApi);
  auto apiMetrics = std::make_shared<ApiMetrics>();
  auto api = HttpApi::start(
      config.apiAddress, *token, [&](const HttpRequest& request) { return containerApi.handle(request); },
      [apiMetrics](const HttpRequest& request, int status) { apiMetrics->count(request, status); });
  if (!api) {
    spdlog::error("msg=\"cannot serve the API\" address={} error=\"{}\"", config.apiAddress, api.error().message());
    return 1;
  }

  collectors::CollectorConfig collectorConfig;
  collectorConfig.agentParent = config.cgroupParent;
  collectorConfig.exportMode =
      config.exportMode == "all" ? collectors::ExportMode::All : collectors::ExportMode::Containers;
  collectorConfig.maxDepth = config.maxDepth;
  collectorConfig.ignoreGlobs = config.ignoreCgroups;
  collectorConfig.idleRefreshEvery =
      std::max<size_t>(1, static_cast<size_t>(std::ceil(config.idleRefreshSeconds / config.collectIntervalSeconds)));
  auto interval = std::chrono::milliseconds(static_cast<int64_t>(config.collectIntervalSeconds * 1000));
  CollectionLoop collection(collectors::Collector(*hierarchy, collectorConfig), runtime, snapshots, interval);
  collection.collectNow();  // the first scrape finds data
  auto metrics = MetricsServer::start(config.metricsAddress, snapshots,
                                      collectors::RenderOptions{kVersion, config.containerLabels});
  if (!metrics) {
    spdlog::error("msg=\"cannot serve metrics\" address={} error=\"{}\"", config.metricsAddress,
                  metrics.error().message());
    return 1;
  }
  (*metrics)->add(apiMetrics);
  (*metrics)->add(enforcementMetrics);
  (*metrics)->add(policyStore);
  reconciler.start();  // overrides are in place again before agentd says it is ready
  if (config.maxStalenessSeconds > 0) {
    (*metrics)->refreshWhenOlderThan(std::chrono::milliseconds(static_cast<int64_t>(config.maxStalenessSeconds * 1000)),
                                     [&collection] { collection.collectNow(); });
  }
  (void)container::writeFileAtomically(config.stateDir, "metrics", (*metrics)->url() + "\n");
  // Written last: agentctl (and a waiting script) take the api file as "agentd is ready".
  (void)container::writeFileAtomically(config.stateDir, "api", (*api)->url() + "\n");
  spdlog::info("msg=\"agentd ready\" api={} metrics={} state_dir={} data_dir={} cgroup_mode={} cgroup_parent={}",
               (*api)->url(), (*metrics)->url(), config.stateDir, config.dataDir, cgroup::modeName(hierarchy->mode()),
               config.cgroupParent);

  // A change in the policy directory reloads it (as SIGHUP and `agentctl policy reload` do).
  // SIGHUP watches it afresh: the directory may have been made, or replaced, since.
  UniqueFd policyWatch;
  auto watchPolicyDir = [&] {
    policyWatch = UniqueFd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (policyWatch.valid() &&
        ::inotify_add_watch(policyWatch.get(), config.policyDir.c_str(),
                            IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE) < 0) {
      spdlog::info("msg=\"policy directory not watched (reload with SIGHUP or agentctl policy reload)\" dir={}",
                   config.policyDir);
      policyWatch.reset();
    }
  };
  watchPolicyDir();
  auto drain = [](int fd) {
    char events[4096];
    while (::read(fd, events, sizeof events) > 0) {
    }
  };
  while (true) {
    // Exits arrive on pidfds; the slow tick is a safety net for a shim that ended before
    // its pidfd could be opened.
    pollfd fds[3] = {{signalFd, POLLIN, 0}, {runtime.exitEventsFd(), POLLIN, 0}, {policyWatch.get(), POLLIN, 0}};
    int ready = ::poll(fds, policyWatch.valid() ? 3 : 2, 5000);
    if (ready > 0 && policyWatch.valid() && fds[2].revents != 0) {
      // An editor saves in several steps: let them land, then read the directory once.
      drain(policyWatch.get());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      drain(policyWatch.get());
      if (policyStore->reload()) reconciler.reconcileAll(false);
    }
    if (ready > 0 && fds[0].revents != 0) {
      signalfd_siginfo info{};
      if (::read(signalFd, &info, sizeof info) != sizeof info) continue;
      if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) {
        spdlog::info("msg=\"stopping; containers keep running\" signal={}", info.ssi_signo);
        break;
      }
      if (info.ssi_signo == SIGHUP) {
        watchPolicyDir();
        if (policyStore->reload()) reconciler.reconcileAll(false);
      }
      if (info.ssi_signo == SIGHUP) {
        AgentConfig reloaded = config;
        auto loaded = loadConfigFile(config.configFile, configFileRequired, reloaded);
        if (!loaded) {
          spdlog::error("msg=\"config reload failed; keeping the current settings\" error=\"{}\"",
                        loaded.error().message());
        } else if (setLogLevel(reloaded.logLevel)) {
          config.logLevel = reloaded.logLevel;
          spdlog::info("msg=\"config reloaded\" log_level={}", config.logLevel);
        }
      }
    }
    // Shims that ended are reaped, and --rm containers removed, on every event and tick.
    for (const auto& event : runtime.collectExited()) {
      if (event.shimLost) {
        logShimLoss(*event.shimLost);
      } else if (event.exit) {
        spdlog::info("msg=\"container exited\" id={} exit_code={}", event.id.substr(0, 12), event.exit->exitCode);
      } else {
        spdlog::warn("msg=\"container's shim ended without an exit record\" id={}", event.id.substr(0, 12));
      }
    }
  }
  // Requests in flight are answered first (a `stop -t 4` the user waits for), within a bound;
  // new ones are told agentd is stopping, and log followers stop waiting for output.
  runtime.stopFollowers();
  constexpr auto kShutdownGrace = std::chrono::seconds(15);
  if (size_t cut = (*api)->drain(kShutdownGrace); cut > 0) {
    spdlog::warn("msg=\"requests still running are cut\" count={} waited_s={}", cut, kShutdownGrace.count());
  }
  std::string url = (*api)->url();
  api->reset();
  // Only our own address: a newer agentd may have started and written its own meanwhile.
  if (auto recorded = readWholeFile(config.stateDir + "/api"); recorded && *recorded == url + "\n") {
    ::unlink((config.stateDir + "/api").c_str());
  }
  std::string metricsUrl = (*metrics)->url();
  if (auto recorded = readWholeFile(config.stateDir + "/metrics"); recorded && *recorded == metricsUrl + "\n") {
    ::unlink((config.stateDir + "/metrics").c_str());
  }
  return 0;
}

}  // namespace agent
