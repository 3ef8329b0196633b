#include "Daemon.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>

#include "ApiMetrics.h"
#include "ApiToken.h"
#include "AtomicFile.h"
#include "BridgeSetup.h"
#include "CgroupDriver.h"
#include "CollectionLoop.h"
#include "ContainerArrivals.h"
#include "ContainerRuntime.h"
#include "ControlApi.h"
#include "DaemonStartup.h"
#include "DiscoveredLookups.h"
#include "EnforcementMetrics.h"
#include "EngineClients.h"
#include "EventLoop.h"
#include "FileAt.h"
#include "HostCpus.h"
#include "HttpApi.h"
#include "ImageUpload.h"
#include "InstallLayout.h"
#include "LayeredImageStore.h"
#include "LimitService.h"
#include "LimitsApi.h"
#include "MetricsServer.h"
#include "NetworkAllowList.h"
#include "NetworkMetrics.h"
#include "OverrideStore.h"
#include "PolicyStore.h"
#include "Reconciler.h"
#include "SeccompSetup.h"
#include "ServiceNotify.h"
#include "StateDirLock.h"
#include "Version.h"
#include "WebView.h"

namespace agent {

namespace fs = std::filesystem;

namespace {

// `metrics_allow`, checked when the config was loaded.
NetworkAllowList metricsAllowList(const std::vector<std::string>& texts) {
  std::vector<Network> networks;
  for (const auto& text : texts) {
    if (auto network = parseNetwork(text)) networks.push_back(*network);
  }
  return NetworkAllowList(std::move(networks));
}

collectors::CollectorConfig collectorConfigOf(const AgentConfig& config) {
  collectors::CollectorConfig c;
  c.agentParent = config.cgroupParent;
  c.exportMode = config.exportMode == "all" ? collectors::ExportMode::All : collectors::ExportMode::Containers;
  c.maxDepth = config.maxDepth;
  c.ignoreGlobs = config.ignoreCgroups;
  c.idleRefreshEvery =
      std::max<size_t>(1, static_cast<size_t>(std::ceil(config.idleRefreshSeconds / config.collectIntervalSeconds)));
  return c;
}

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// One step of agentd's stop. A step that had to wait says so, and for what: agentd's stop
// is otherwise quick (well under a second when idle).
template <typename Step>
void stopStep(const char* what, Step&& step) {
  auto started = std::chrono::steady_clock::now();
  step();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  if (ms >= 100)
    spdlog::info("msg=\"stopping waited\" for=\"{}\" ms={}", what, ms);
  else
    spdlog::debug("msg=\"stopped\" part=\"{}\" ms={}", what, ms);
}

// The web view's controls (WebView.h) are on only where the token cannot leave the host.
WebView::Options webViewOptions(const AgentConfig& config, std::string token) {
  WebView::Options options;
  char name[256] = {};
  options.hostname = ::gethostname(name, sizeof name - 1) == 0 ? name : "this host";
  options.version = kVersion;
  const std::string& address = config.metricsAddress;
  options.controls = isLoopbackHost(std::string_view(address).substr(0, address.rfind(':')));
  options.controlsOff = "Pause, resume and limits are off on this page: the metrics port listens on " + address +
                        ", beyond loopback, where the API token would cross the network in clear. Use agentctl, "
                        "or set metrics_address to 127.0.0.1:9101 and reach it through an SSH tunnel (docs/web.md).";
  options.token = std::move(token);
  return options;
}

// Only our own address: a newer agentd may have started and written its own meanwhile.
void removeIfOurs(const std::string& file, const std::string& url) {
  if (auto recorded = readWholeFile(file); recorded && *recorded == url + "\n") ::unlink(file.c_str());
}

}  // namespace

int runDaemon(AgentConfig config, bool configFileRequired) {
  // Before any thread starts: it takes NOTIFY_SOCKET out of the environment.
  auto service = ServiceNotify::fromEnvironment();
  int signalFd = blockSignals();
  // Paths given relative to where agentd was started: the shim and the containers' mounts
  // (idmapped layers, volumes) resolve them elsewhere.
  for (std::string* dir : {&config.stateDir, &config.dataDir, &config.policyDir}) {
    std::error_code ec;
    if (!dir->empty()) *dir = std::filesystem::absolute(*dir, ec).lexically_normal().string();
  }
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  if (int cannot = checkPrerequisites(config); cannot != 0) return cannot;
  // Before anything in the state directory is touched (standby leftovers, the api file).
  auto lock = StateDirLock::acquire(config.stateDir);
  if (!lock) {
    spdlog::error("msg=\"cannot start\" error=\"{}\"", lock.error().message());
    return 1;
  }
  raiseAndCheckFdLimit();
  std::string tokenFile = config.stateDir + "/token";
  auto token = ensureApiToken(tokenFile);
  if (!token) {
    spdlog::error("msg=\"cannot set up the API token\" error=\"{}\"", token.error().message());
    return 1;
  }
  warnOnPrivateCgroupNamespace();
  auto hierarchy = cgroup::Hierarchy::detect();
  if (!hierarchy) {
    spdlog::error("msg=\"no usable cgroups\" error=\"{}\"", hierarchy.error().message());
    return 1;
  }

  // The wiring: each part is built from those below it, and stopped in the reverse order.
  container::RuntimeConfig runtimeConfig;
  runtimeConfig.stateDir = config.stateDir;
  runtimeConfig.dataDir = config.dataDir;
  runtimeConfig.shimPath = config.shimPath.empty() ? shimExecutablePath() : config.shimPath;
  // Before anything reads config.cgroupParent: under systemd it becomes the slice's path.
  auto systemdManager = setUpCgroupDriver(config, *hierarchy, runtimeConfig);
  if (!systemdManager) {
    spdlog::error("msg=\"cannot set up the cgroup driver\" error=\"{}\"", systemdManager.error().message());
    return 2;
  }
  runtimeConfig.logMaxBytes = config.logMaxBytes;
  runtimeConfig.defaultUserns = container::parseUsernsMode(config.defaultUserns).value_or(container::UsernsMode::Host);
  runtimeConfig.subordinateIds.user = config.usernsUser;
  auto seccomp =
      loadSeccompProfile(config.seccompProfile.empty() ? defaultSeccompProfilePath() : config.seccompProfile);
  if (!seccomp) {
    spdlog::error("msg=\"cannot load the containers' seccomp profile\" error=\"{}\"", seccomp.error().message());
    return 1;
  }
  runtimeConfig.seccomp = std::move(*seccomp);
  // Layered images (docs/images.md): DATA_DIR/image-store, what an interrupted load left removed.
  image::LayeredImageStore images(config.dataDir + "/image-store");
  if (auto prepared = images.prepare(); !prepared) {
    spdlog::error("msg=\"cannot open the image store\" error=\"{}\"", prepared.error().message());
    return 1;
  }
  runtimeConfig.images = &images;
  // Bridge networking (docs/networking.md): leases, the bridge and the nftables table as the
  // containers' records say, once they are read back.
  auto bridge = setUpBridgeNetworking(config, runtimeConfig);
  if (!bridge) {
    spdlog::error("msg=\"cannot set up bridge networking\" error=\"{}\"", bridge.error().message());
    return 2;
  }
  auto runtime = std::make_unique<container::ContainerRuntime>(runtimeConfig, *hierarchy);
  readopt(*runtime, config.standbyContainers);
  auto bridgeTableWatch = restoreBridgeNetworking(*bridge, *runtime, millis(config.collectIntervalSeconds));
  if (!bridgeTableWatch) {
    spdlog::error("msg=\"cannot restore bridge networking; containers keep running\" error=\"{}\"",
                  bridgeTableWatch.error().message());
    return 2;
  }

  auto overrides = policies::OverrideStore::open(config.stateDir);
  if (!overrides) {
    spdlog::error("msg=\"cannot read the limit overrides\" error=\"{}\"", overrides.error().message());
    return 1;
  }
  unsigned hostCpus = proc::onlineCpus();
  auto policyStore = std::make_shared<PolicyStore>(config.policyDir, hostCpus);
  policyStore->reload();  // a bad set at start: no policies, the errors logged and shown by `policy list`
  auto enforcementMetrics = std::make_shared<EnforcementMetrics>();
  auto snapshots = std::make_shared<LatestSnapshot>();
  auto cgroupWrites = std::make_shared<cgroup::CgroupWriteFeed>();
  auto liveCollection = std::make_shared<std::atomic<CollectionLoop*>>(nullptr);    // set once it runs
  auto engineDirectory = std::make_shared<collectors::engines::EngineDirectory>();  // filled by EngineClients
  snapshots->setRefresher([liveCollection] {
    if (CollectionLoop* loop = liveCollection->load()) loop->collectNow();
  });
  Reconciler::Options reconcilerOptions{config.enforce, millis(config.reconcileIntervalSeconds), cgroupWrites, {}};
  // Docker's containers get their limits as `docker update` sets them (docs/engines.md).
  reconcilerOptions.engineLimits = engines::engineLimitClients(config.engines);
  // A stopped Docker container keeps its override: Docker still holds it.
  reconcilerOptions.engineHolds = engineHoldsIn(engineDirectory, config.engines, config.cgroupParent);
  auto reconciler = std::make_unique<Reconciler>(*runtime, *hierarchy, *overrides, *policyStore, *enforcementMetrics,
                                                 reconcilerOptions, discoveredListIn(snapshots));
  policies::LimitService limitService(
      [&reconciler, lookup = discoveredIn(snapshots, engineDirectory, groupExistsIn(*hierarchy))](
          const std::string& ref) { return reconciler->resolve(ref, lookup); },
      [policyStore] { return policyStore->current(); }, *overrides, *reconciler, *hierarchy);
  LimitsApi limitsApi(limitService, hostCpus);
  ControlApi controlApi(
      *runtime, *hierarchy, limitsApi, *policyStore, [&reconciler] { reconciler->reconcileAll(false); }, snapshots);
  auto apiMetrics = std::make_shared<ApiMetrics>();
  HttpServerTls apiTls;
  if (config.apiTls.enabled()) {
    auto files = readApiTlsFiles(config.apiTls);
    if (!files) {
      spdlog::error("msg=\"cannot serve the API\" error=\"{}\"", files.error().message());
      return 2;
    }
    apiTls = {std::move(files->certPem), std::move(files->keyPem)};
  }
  auto api = HttpApi::start(
      config.apiAddress, *token, tokenFile, [&](const HttpRequest& request) { return controlApi.handle(request); },
      [apiMetrics](const HttpRequest& request, int status) { apiMetrics->count(request, status); },
      [limits = ImageUploadLimits{config.dataDir + "/uploads", config.maxImageUpload}](
          const HttpRequest& head, const HttpServerRequest& raw) { return imageUploadIntake(limits, head, raw); },
      std::move(apiTls));
  if (!api) {
    spdlog::error("msg=\"cannot serve the API\" address={} error=\"{}\"", config.apiAddress, api.error().message());
    return 1;
  }
  // Docker's (and other engines') containers by their names (docs/engines.md).
  auto engineClients =
      std::make_unique<engines::EngineClients>(config.engines, config.containerdState, engineDirectory);
  collectors::Collector collector(*hierarchy, collectorConfigOf(config));
  collector.publishWritesTo(cgroupWrites);  // the reconciler's view of writes behind its back
  std::shared_ptr<collectors::LayerUsageSampler> layerUsage;
  if (config.fsUsageIntervalSeconds > 0) {
    layerUsage = std::make_shared<collectors::LayerUsageSampler>(
        millis(config.fsUsageIntervalSeconds), [](const std::string& id, const Error& error) {
          spdlog::warn("msg=\"cannot measure a writable layer\" id={} error=\"{}\"", id.substr(0, 12), error.message());
        });
  }
  if (layerUsage) layerUsage->readEnginesFrom(engineDirectory.get());  // Docker's writable layers too
  auto collection = std::make_unique<CollectionLoop>(
      std::move(collector), *runtime, snapshots, millis(config.collectIntervalSeconds), engineDirectory, layerUsage);
  // A container another runtime started gets its policies at once (ContainerArrivals.h).
  // The web view's charts: a sample per collection (ContainerHistory.h), not per forced one.
  auto history = std::make_shared<ContainerHistory>(millis(config.collectIntervalSeconds * 0.9));
  collection->observeEngines([clients = engineClients.get(),
                              arrivals = whenContainersArrive([&reconciler] { reconciler->passSoon(); }),
                              history](const collectors::Snapshot& snapshot) {
    clients->observe(snapshot);
    arrivals(snapshot);
    history->record(snapshot);
  });
  collection->collectNow();  // the first scrape finds data
  liveCollection->store(collection.get());
  auto webView = std::make_shared<const WebView>(
      webViewOptions(config, *token), snapshots, history,
      [&limitService](const policies::LimitTarget& target) { return limitService.desiredFor(target); },
      [&controlApi](const HttpRequest& request) { return controlApi.handle(request); });
  auto metrics = MetricsServer::start(config.metricsAddress, snapshots,
                                      collectors::RenderOptions{kVersion, config.containerLabels},
                                      metricsAllowList(config.metricsAllow), webView);
  if (!metrics) {
    spdlog::error("msg=\"cannot serve metrics\" address={} error=\"{}\"", config.metricsAddress,
                  metrics.error().message());
    return 1;
  }
  (*metrics)->add(apiMetrics);
  (*metrics)->add(enforcementMetrics);
  (*metrics)->add(policyStore);
  if (bridge->network) (*metrics)->add(std::make_shared<NetworkMetrics>(*bridge->network));
  reconciler->start();  // overrides are in place again before agentd says it is ready
  if (config.maxStalenessSeconds > 0) {
    (*metrics)->refreshWhenOlderThan(millis(config.maxStalenessSeconds), [&collection] { collection->collectNow(); });
  }
  std::string apiUrl = (*api)->url(), metricsUrl = (*metrics)->url();
  (void)writeFileAtomically(config.stateDir, "metrics", metricsUrl + "\n");
  // Written last: agentctl (and a waiting script) take the api file as "agentd is ready".
  (void)writeFileAtomically(config.stateDir, "api", apiUrl + "\n");
  spdlog::info("msg=\"agentd ready\" api={} metrics={} state_dir={} data_dir={} cgroup_mode={} cgroup_parent={}",
               apiUrl, metricsUrl, config.stateDir, config.dataDir, cgroup::modeName(hierarchy->mode()),
               config.cgroupParent);
  service.ready("serving api " + apiUrl + " metrics " + metricsUrl);

  EventLoop::Reloads reloads{.policies = [&]() -> std::string {
                               if (!policyStore->reload()) return "policy files with errors (agentctl policy list)";
                               reconciler->reconcileAll(false);
                               return "";
                             },
                             .config = [&]() -> std::string {
                               AgentConfig reloaded = config;
                               auto loaded = loadConfigFile(config.configFile, configFileRequired, reloaded);
                               if (!loaded) {
                                 spdlog::error(
                                     "msg=\"config reload failed; keeping the current settings\" error=\"{}\"",
                                     loaded.error().message());
                                 return "the config file (" + loaded.error().message() + ")";
                               }
                               if (setLogLevel(reloaded.logLevel)) {
                                 config.logLevel = reloaded.logLevel;
                                 spdlog::info("msg=\"config reloaded\" log_level={}", config.logLevel);
                               }
                               return "";
                             }};
  int signal = EventLoop(signalFd, *runtime, config.policyDir, std::move(reloads), service).run();
  service.stopping();

  auto stopping = std::chrono::steady_clock::now();
  spdlog::info("msg=\"stopping; containers keep running\" signal={}", signal);
  // Requests in flight are answered first (a `stop -t 4` the user waits for), within a bound;
  // new ones are told agentd is stopping, and log followers stop waiting for output.
  runtime->stopFollowers();
  constexpr auto kShutdownGrace = std::chrono::seconds(15);
  if (size_t busy = (*api)->drain(std::chrono::milliseconds(0)); busy > 0) {
    spdlog::info("msg=\"stopping: answering the requests in flight first\" count={} bound_s={}", busy,
                 kShutdownGrace.count());
    // A handler cannot be cut from outside its thread: one still running (a `stop -t 30`
    // waiting out its bound) holds the server's stop below until it returns.
    if (size_t running = (*api)->drain(kShutdownGrace); running > 0)
      spdlog::warn(
          "msg=\"requests still running; the API server waits for them to return (a stop -t N waits up to "
          "N s)\" count={} waited_s={}",
          running, kShutdownGrace.count());
  }
  stopStep("the control API's server (its threads end)", [&] { api->reset(); });
  removeIfOurs(config.stateDir + "/api", apiUrl);
  stopStep("the metrics server (a scrape in flight)", [&] { metrics->reset(); });
  removeIfOurs(config.stateDir + "/metrics", metricsUrl);
  liveCollection->store(nullptr);
  stopStep("the collector (a collection in flight)", [&] { collection.reset(); });
  stopStep("the engine clients (an event stream, within a second)", [&] { engineClients.reset(); });
  stopStep("the reconciler (a pass in flight)", [&] { reconciler.reset(); });
  stopStep("the nftables table's watch", [&] { bridgeTableWatch->reset(); });
  stopStep("the standby containers' shims to end, and removed containers' files to be deleted",
           [&] { runtime.reset(); });
  spdlog::info(
      "msg=\"stopped\" took_ms={}",
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stopping).count());
  return 0;
}

}  // namespace agent
