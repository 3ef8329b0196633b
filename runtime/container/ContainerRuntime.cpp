#include "ContainerRuntime.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "AtomicFile.h"
#include "ImageDefaults.h"
#include "Names.h"
#include "ReaderLease.h"
#include "RunRequestValidation.h"
#include "RunSource.h"
#include "SealedExecutable.h"
#include "SeccompFilter.h"
#include "ShimStarter.h"
#include "VolumeSources.h"

namespace agent::container {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

ContainerRuntime::ContainerRuntime(RuntimeConfig config, cgroup::Hierarchy hierarchy)
    : config_(std::move(config)),
      hierarchy_(std::move(hierarchy)),
      store_(config_.stateDir + "/containers"),
      trash_({config_.dataDir + "/trash", config_.stateDir + "/trash"}) {
  // The sealed copy every shim and exec helper starts from, made once now: a failure here is
  // reported again, with its reason, by the first start that needs it.
  (void)sealedExecutable(config_.shimPath);
}

std::string ContainerRuntime::logPathOf(const std::string& id) const {
  return config_.dataDir + "/containers/" + id + "/log";
}

Result<cgroup::Cgroup> ContainerRuntime::cgroupOf(const ContainerConfig& config) const {
  return cgroup::Cgroup::open(hierarchy_, config.cgroupPath, hierarchy_.available(cgroup::containerControllers()),
                              cgroup::controllersOlderContainersLack());
}

Result<ContainerInfo> ContainerRuntime::load(const std::string& id) const {
  auto config = store_.readConfig(id);
  if (!config) return tl::unexpected(config.error());
  auto pid = store_.readPid(id);
  auto exit = store_.readExit(id);
  if (!pid) return tl::unexpected(pid.error());
  if (!exit) return tl::unexpected(exit.error());
  ContainerInfo info{
      std::move(*config),
      deriveStatus(*pid, *exit, proc::ProcFs()),
  };
  if (info.status.state == ContainerState::Stopped && !info.status.exit) {
    // The shim writes exit.json and then ends: if it ended after exit.json was looked for
    // above, the record is there now.
    if (auto late = store_.readExit(id); late && *late) info.status = deriveStatus(*pid, *late, proc::ProcFs());
  }
  if (info.status.state == ContainerState::Running) {
    if (auto group = cgroupOf(info.config)) {
      auto freezer = group->freezerStatus();
      if (freezer && freezer->state != cgroup::FreezerState::Thawed) info.status.state = ContainerState::Paused;
    }
  }
  if (info.status.state == ContainerState::Stopped) info.status.usage = settleStopped(id, info.config);
  return info;
}

namespace {

tl::unexpected<Error> notRunning(const std::string& name, const char* what) {
  return userError("cannot " + std::string(what) + " container " + quotedForMessage(name) +
                       ": it is not running (agentctl ps -a shows its state)",
                   EBUSY);
}

}  // namespace

Result<std::string> ContainerRuntime::resolve(const std::string& ref) const {
  if (ref.empty())
    return userError("no container given: name one by id, id prefix or name (agentctl ps -a lists them)", EINVAL);
  auto ids = store_.listIds();
  if (!ids) return tl::unexpected(ids.error());
  std::vector<std::string> byPrefix;
  for (const auto& id : *ids) {
    if (id == ref) return id;
    if (id.compare(0, ref.size(), ref) == 0) byPrefix.push_back(id);
  }
  for (const auto& id : *ids) {
    auto config = store_.readConfig(id);
    if (config && config->name == ref) return id;
  }
  if (byPrefix.size() == 1) return byPrefix.front();
  if (byPrefix.size() > 1)
    return userError("the id prefix " + quotedForMessage(ref) + " matches several containers; give more of the id",
                     EINVAL);
  return userError("no such container " + quotedForMessage(ref) + "; agentctl ps -a lists the containers", ENOENT);
}

Result<std::string> ContainerRuntime::seccompProgramFor(const RunRequest& request, CapabilitySet capabilities) const {
  if (request.seccomp == SeccompMode::Unconfined) return std::string();
  if (!config_.seccomp) {
    if (request.seccomp == SeccompMode::Custom)
      return userError("this runtime was set up without seccomp; it cannot apply the profile given");
    return std::string();  // the runtime's tests and benchmarks: inspect says unconfined
  }
  return config_.seccomp(capabilities, request.seccomp == SeccompMode::Custom ? request.seccompProfile : "");
}

Result<ContainerInfo> ContainerRuntime::run(const RunRequest& request) {
  std::lock_guard lock(mutex_);
  auto quiet = pool_ ? pool_->activity() : StandbyPool::Activity(nullptr);
  if (auto valid = validateRunRequest(request); !valid) return tl::unexpected(valid.error());
  auto capabilities = *combineCapabilities(dockerDefaultCapabilities(), request.capAdd, request.capDrop);
  auto seccomp = seccompProgramFor(request, capabilities);
  if (!seccomp) return tl::unexpected(seccomp.error());
  auto source = resolveRunSource(request, config_.images, config_.dataDir);
  if (!source) return tl::unexpected(source.error());
  const std::string& rootfs = source->rootfs;
  const std::optional<ImageLayers>& layered = source->layered;
  const ImageDefaults& defaults = source->defaults;
  auto existing = store_.listIds();
  if (!existing) return tl::unexpected(existing.error());
  std::vector<DeviceMapping> devices;
  for (const DeviceRequest& device : request.devices) {
    auto mapping = resolveDeviceRequest(device);
    if (!mapping) return tl::unexpected(mapping.error());
    devices.push_back(std::move(*mapping));
  }
  if (auto r = checkVolumeSources(request.volumes); !r) return tl::unexpected(r.error());
  auto userns = allotUserNamespace(request.userns.value_or(config_.defaultUserns));
  if (!userns) return tl::unexpected(userns.error());
  // Root of a user namespace may not make device nodes; runc binds the host's instead, which
  // --device does not do yet: refused before anything is made, rather than failing at mknod.
  if (*userns && !devices.empty()) {
    return userError(
        "--device cannot be combined with --userns auto yet (root of a user namespace may not make device nodes); "
        "run it with --userns host, or without --device",
        EINVAL);
  }
  // A standby container has its namespaces and cgroup already (see StandbyPool.h), Docker's
  // device rules alone, no user namespace (whose ids are only known now), and a mount
  // namespace copied when it was made: a bind volume's source mounted on the host since would
  // show in it as the directory under that mount.
  std::optional<Standby> standby;
  // A terminal or stdin is PID 1's from its clone on: a standby's was decided before the request.
  bool terminal = request.tty || request.openStdin;
  // A bridge container's standby gets its veth before it is released, as a cold start does.
  NetworkMode network = request.network.value_or(config_.defaultNetwork);
  bool ownNetns = network == NetworkMode::None || network == NetworkMode::Bridge;
  if (pool_ && ownNetns && devices.empty() && !*userns && !terminal && !hasBindVolume(request.volumes))
    standby = pool_->take();
  std::string id = standby ? standby->id : newContainerId();
  std::string name = request.name.empty() ? "ctr-" + id.substr(0, 12) : request.name;
  for (const auto& other : *existing) {
    auto config = store_.readConfig(other);
    if (config && config->name == name) {
      if (standby) pool_->discard(*standby);
      return userError("the name " + quotedForMessage(name) + " is taken by container " + other.substr(0, 12) +
                           "; pick another, or remove that one (agentctl rm)",
                       EEXIST);
    }
  }

  ContainerConfig config;
  config.spec.id = id;
  config.spec.hostname = request.hostname.empty() ? id.substr(0, 12) : request.hostname;
  config.spec.imageRootfs = rootfs;
  config.spec.layerDir = config_.dataDir + "/containers/" + id;
  config.spec.args = defaults.args;
  config.spec.env = defaults.env;
  // -t: a terminal's type, as docker run -t sets it, unless the image or -e gives one.
  if (request.tty && std::none_of(config.spec.env.begin(), config.spec.env.end(),
                                  [](const std::string& e) { return e.rfind("TERM=", 0) == 0; }))
    config.spec.env.push_back("TERM=xterm");
  config.spec.cwd = request.workingDir.empty() ? defaults.cwd : request.workingDir;
  config.spec.user = defaults.user;
  if (layered) {
    config.spec.lowerBase = layered->root.base;
    config.spec.lowerDirs = layered->root.lowerDirs;
    config.imageId = layered->image.id;
    config.imageLayers = layered->image.layers;
  }
  config.spec.network = network;
  std::vector<std::string> publish = request.publish;
  if (request.publishAll && layered)
    publish.insert(publish.end(), layered->image.config.exposedPorts.begin(), layered->image.config.exposedPorts.end());
  if (auto planned = planNetwork(request, network, publish, config); !planned) {
    if (standby) pool_->discard(*standby);
    return tl::unexpected(planned.error());
  }
  config.spec.devices = std::move(devices);
  config.spec.userns = *userns;
  config.spec.volumes = request.volumes;
  config.spec.readOnlyRoot = request.readOnlyRoot;
  config.spec.capabilities = capabilities;
  config.spec.tty = request.tty;
  config.spec.openStdin = request.openStdin;
  config.spec.consoleRows = request.consoleRows;
  config.spec.consoleColumns = request.consoleColumns;
  config.spec.seccomp = seccomp->empty() ? SeccompMode::Unconfined : request.seccomp;
  if (!seccomp->empty()) config.spec.seccompFilter = store_.dirOf(id) + "/" + kSeccompFilterFile;
  config.name = name;
  config.image = request.rootfs.empty() ? request.image : "rootfs:" + rootfs;
  config.labels = defaults.labels;
  config.cgroupPath = config_.systemd ? config_.systemd->containerPathOf(id) : config_.cgroupParent + "/" + id;
  config.logPath = logPathOf(id);
  config.logMaxBytes = config_.logMaxBytes;
  config.createdAtUnixMs = nowUnixMs();
  config.removeOnExit = request.removeOnExit;

  std::error_code ec;
  fs::create_directories(config.spec.layerDir, ec);
  if (ec) {
    if (standby) pool_->discard(*standby);
    return systemError("create container directory", config.spec.layerDir, ec.value());
  }
  // Under systemd, the scope the container's group goes in (no standby pool there).
  std::optional<ContainerScope> scope;
  if (config_.systemd && !standby) {
    auto entered = ContainerScope::enter(*config_.systemd, hierarchy_, id, name);
    if (!entered) {
      fs::remove_all(config.spec.layerDir, ec);
      return tl::unexpected(entered.error());
    }
    scope.emplace(std::move(*entered));
  }
  // The cgroup and its limits exist before anything of the container runs.
  auto controllers = hierarchy_.available(cgroup::containerControllers());
  auto group = standby ? cgroup::Cgroup::open(hierarchy_, config.cgroupPath, controllers)
                       : cgroup::Cgroup::create(hierarchy_, config.cgroupPath, controllers,
                                                scope ? scope->scopePath() : std::string());
  auto undo = [&] {
    if (standby)
      pool_->discard(*standby);
    else if (group)
      (void)group->remove();
    releaseNetwork(config);
    fs::remove_all(config.spec.layerDir, ec);
  };
  if (!group) {
    undo();
    return tl::unexpected(group.error());
  }
  if (auto reserved = reserveNetwork(publish, config); !reserved) {
    undo();
    return tl::unexpected(reserved.error());
  }
  if (auto r = group->applyLimits(request.limits); !r) {
    undo();
    return tl::unexpected(r.error());
  }
  // A standby's group got its device rules when it was made, before its PID 1 joined.
  config.deviceRules = deviceRulesWith(config.spec.devices);
  if (!standby) {
    if (auto r = group->applyDeviceRules(*config.deviceRules); !r) {
      undo();
      return tl::unexpected(r.error());
    }
  }
  if (auto r = store_.create(config); !r) {
    undo();
    return tl::unexpected(r.error());
  }
  if (!seccomp->empty()) {
    if (auto r = writeFileAtomically(store_.dirOf(id), kSeccompFilterFile, *seccomp); !r) {
      (void)store_.remove(id);
      undo();
      return tl::unexpected(r.error());
    }
  }
  if (!request.attachReader.empty()) {
    ReaderLease lease{0, bootTimeMs() + kReaderLeaseTime.count()};
    if (auto r = writeReaderLease(store_.dirOf(id), request.attachReader, lease); !r) {
      (void)store_.remove(id);
      undo();
      return tl::unexpected(r.error());
    }
  }
  // Moved before a standby leaves the pool's set (forget() below): a reader that no longer
  // finds its cgroup there sees a new generation and lists the container (standbyCgroups()).
  ++generation_;
  auto started = startContainerShim(config, standby ? &standby->shim : nullptr);
  if (standby) {
    pool_->forget(*standby);  // the container owns its cgroup now
    if (!started && !store_.readExit(id).value_or(std::nullopt)) {
      // The standby was lost (its shim ended, reporting nothing): start the ordinary way.
      (void)group->killAll();
      started = startContainerShim(config, nullptr);
    }
  }
  // A command that never ran (not in the image, not executable) still leaves a container:
  // stopped, with the exit code (127, 126) and the reason the shim recorded, as Docker does.
  if (!started && !store_.readExit(id).value_or(std::nullopt)) {
    // No shim runs it and nothing of it ran (out of descriptors, the shim missing): nothing
    // of it stays either, or it would show as "created" forever.
    (void)group->killAll();
    (void)discardCgroup(config.cgroupPath);
    (void)store_.remove(id);
    releaseNetwork(config);
    fs::remove_all(config.spec.layerDir, ec);
    return tl::unexpected(started.error().error);
  }
  if (started) {
    // Out of agentd's own unit: a failure costs only that (the shim stays where agentd is).
    if (scope) (void)scope->adoptShim(started->shimPid);
    std::lock_guard children(childrenMutex_);
    shimChildren_.insert(started->shimPid);
  }
  ++generation_;
  // A shim that has ended already is not watched; its SIGCHLD brings the collection instead.
  if (auto pid = store_.readPid(id); pid && *pid) (void)exits_.watch(id, **pid, proc::ProcFs());
  return load(id);
}

bool ContainerRuntime::usesImage(const std::string& imageId) const {
  auto ids = store_.listIds();
  if (!ids) return true;  // unknown: keep the image
  for (const auto& id : *ids) {
    auto config = store_.readConfig(id);
    if (config && config->imageId == imageId) return true;
  }
  return false;
}

bool ContainerRuntime::usesLayer(const std::string& diffId) const {
  auto ids = store_.listIds();
  if (!ids) return true;
  for (const auto& id : *ids) {
    auto config = store_.readConfig(id);
    if (config &&
        std::find(config->imageLayers.begin(), config->imageLayers.end(), diffId) != config->imageLayers.end())
      return true;
  }
  return false;
}

Result<std::vector<ContainerInfo>> ContainerRuntime::list() const {
  std::lock_guard lock(mutex_);
  auto ids = store_.listIds();
  if (!ids) return tl::unexpected(ids.error());
  std::vector<ContainerInfo> containers;
  for (const auto& id : *ids) {
    if (auto info = load(id)) containers.push_back(std::move(*info));
  }
  std::sort(containers.begin(), containers.end(),
            [](const auto& a, const auto& b) { return a.config.createdAtUnixMs > b.config.createdAtUnixMs; });
  return containers;
}

Result<ContainerInfo> ContainerRuntime::inspect(const std::string& ref) const {
  std::lock_guard lock(mutex_);
  auto id = resolve(ref);
  if (!id) return tl::unexpected(id.error());
  return load(*id);
}

Result<void> ContainerRuntime::kill(const std::string& ref, int signal) {
  std::lock_guard lock(mutex_);
  auto id = resolve(ref);
  if (!id) return tl::unexpected(id.error());
  auto info = load(*id);
  if (!info) return tl::unexpected(info.error());
  if (!info->status.pid) return notRunning(info->config.name, "signal");
  // Through a pidfd checked against PID 1's start time: if PID 1 ended since it was looked
  // up, and its number went to another process, that process gets nothing.
  auto pidfd = openPid1Pidfd(*info->status.pid, proc::ProcFs());
  if (!pidfd) return notRunning(info->config.name, "signal");
  // A frozen process acts on a signal only once thawed.
  if (info->status.state == ContainerState::Paused) {
    if (auto group = cgroupOf(info->config)) (void)group->thaw();
  }
  if (::syscall(SYS_pidfd_send_signal, pidfd->get(), signal, nullptr, 0) != 0) {
    if (errno == ESRCH) return notRunning(info->config.name, "signal");
    return systemError("signal", info->config.name);
  }
  return {};
}

Result<ContainerInfo> ContainerRuntime::stop(const std::string& ref, std::chrono::milliseconds grace) {
  auto termed = kill(ref, SIGTERM);
  if (!termed) {
    auto info = inspect(ref);
    if (info && info->status.state == ContainerState::Stopped) return info;  // already stopped
    return tl::unexpected(termed.error());
  }
  if (!waitForExit(ref, grace)) {
    (void)kill(ref, SIGKILL);
    waitForExit(ref, 5s);
  }
  return inspect(ref);
}

Result<void> ContainerRuntime::setFrozen(const std::string& ref, bool frozen) {
  std::lock_guard lock(mutex_);
  auto quiet = pool_ ? pool_->activity() : StandbyPool::Activity(nullptr);
  auto id = resolve(ref);
  if (!id) return tl::unexpected(id.error());
  auto info = load(*id);
  if (!info) return tl::unexpected(info.error());
  bool ready = frozen ? info->status.state == ContainerState::Running && info->status.pid
                      : info->status.state == ContainerState::Paused;
  if (!ready) {
    return userError("cannot " + std::string(frozen ? "pause" : "resume") + " container " +
                         quotedForMessage(info->config.name) + ": it is " + std::string(stateName(info->status.state)) +
                         (frozen ? "; only a running container can be paused" : "; only a paused one can be resumed"),
                     EBUSY);
  }
  auto group = cgroupOf(info->config);
  if (!group) return tl::unexpected(group.error());
  ++generation_;
  return frozen ? group->freeze() : group->thaw();
}

Result<void> ContainerRuntime::pause(const std::string& ref) {
  return setFrozen(ref, true);
}
Result<void> ContainerRuntime::resume(const std::string& ref) {
  return setFrozen(ref, false);
}

Result<void> ContainerRuntime::removeLocked(const std::string& id, bool force) {
  auto info = load(id);
  if (!info) return tl::unexpected(info.error());
  bool live = info->status.state == ContainerState::Running || info->status.state == ContainerState::Paused;
  if (live && !force) {
    return userError("container " + quotedForMessage(info->config.name) +
                         " is running; stop it first (agentctl stop), or remove it with -f, which kills it",
                     EBUSY);
  }
  if (live) {
    // Once the shim has recorded the exit, PID 1 is reaped and its mount namespace (holding
    // the overlay on the layer directory) is gone, so the files can go.
    if (auto group = cgroupOf(info->config)) {
      if (auto killed = group->killAll(); !killed) return killed;
      waitForExit(id, 5s);
    } else if (!group.error().isGone()) {
      return tl::unexpected(group.error());
    }
  }
  // Its veth (if a container joined its namespace keeps that alive), rules and lease: an address
  // is never on two containers.
  releaseNetwork(info->config);
  // A stopped container's cgroup went when it stopped; what may be left (a removal cut short,
  // a container stopped before agentd removed cgroups at exit) goes now.
  if (auto removed = discardCgroup(info->config.cgroupPath); !removed) return removed;
  // The files go in the background (see Trash.h); their paths are gone when this returns.
  if (auto r = trash_.discard(info->config.spec.layerDir, config_.dataDir + "/trash"); !r && !r.error().isGone()) {
    return r;
  }
  if (auto r = trash_.discard(store_.dirOf(id), config_.stateDir + "/trash"); !r && !r.error().isGone()) return r;
  ++generation_;
  return {};
}

Result<void> ContainerRuntime::remove(const std::string& ref, bool force) {
  std::lock_guard lock(mutex_);
  auto quiet = pool_ ? pool_->activity() : StandbyPool::Activity(nullptr);
  auto id = resolve(ref);
  if (!id) return tl::unexpected(id.error());
  return removeLocked(*id, force);
}

void ContainerRuntime::rememberRemovedExit(const std::string& id, int exitCode) {
  removedExits_.emplace_back(id, exitCode);
  if (removedExits_.size() > kRemovedExitsKept) removedExits_.pop_front();
}

std::optional<int> ContainerRuntime::exitOfRemoved(const std::string& id) const {
  std::lock_guard lock(mutex_);
  for (auto it = removedExits_.rbegin(); it != removedExits_.rend(); ++it)
    if (it->first == id) return it->second;
  return std::nullopt;
}

Result<void> ContainerRuntime::removeOnExit(const std::string& ref) {
  std::lock_guard lock(mutex_);
  auto id = resolve(ref);
  if (!id) return tl::unexpected(id.error());
  auto info = load(*id);
  if (!info) return tl::unexpected(info.error());
  if (info->status.state == ContainerState::Stopped) return removeLocked(*id, false);
  ContainerConfig config = info->config;
  config.removeOnExit = true;
  return store_.rewriteConfig(config);
}

Result<std::pair<ContainerInfo, cgroup::Cgroup>> ContainerRuntime::execTarget(const std::string& ref) const {
  std::unique_lock lock(mutex_);
  auto id = resolve(ref);
  if (!id) return tl::unexpected(id.error());
  auto info = load(*id);
  if (!info) return tl::unexpected(info.error());
  if (info->status.state != ContainerState::Running || !info->status.pid) {
    return userError("cannot exec in container " + quotedForMessage(info->config.name) + ": it is " +
                         std::string(stateName(info->status.state)) + "; exec needs a running container",
                     EBUSY);
  }
  auto group = cgroupOf(info->config);
  if (!group) return tl::unexpected(group.error());
  return std::pair{std::move(*info), std::move(*group)};
}

namespace {
// PID 1's confinement, user and working directory, with exec -u / -w's instead where given.
ExecConfinement execConfinementOf(const ContainerSpec& spec, const ExecAs& as) {
  return ExecConfinement{spec.capabilities, spec.seccompFilter, as.user.empty() ? spec.user : as.user,
                         as.workingDir.empty() ? spec.cwd : as.workingDir};
}
}  // namespace

Result<ExecResult> ContainerRuntime::exec(const std::string& ref, const std::vector<std::string>& args,
                                          const ExecAs& as) {
  auto target = execTarget(ref);  // an exec may run long; it touches nothing the lock protects
  if (!target) return tl::unexpected(target.error());
  const auto& [info, group] = *target;
  return execInContainer(info.status.pid->pid, group, args, info.config.spec.env, config_.shimPath,
                         execConfinementOf(info.config.spec, as));
}

Result<ExecStreams> ContainerRuntime::execStreams(const std::string& ref, const std::vector<std::string>& args,
                                                  const ExecStreamOptions& options) {
  auto target = execTarget(ref);
  if (!target) return tl::unexpected(target.error());
  const auto& [info, group] = *target;
  return startExecStreams(info.status.pid->pid, group, args, info.config.spec.env, config_.shimPath,
                          execConfinementOf(info.config.spec, options.as), options);
}

Result<std::optional<userns::IdMapping>> ContainerRuntime::allotUserNamespace(UsernsMode mode) const {
  if (mode == UsernsMode::Host) return std::nullopt;
  auto held = heldIdRanges(store_);
  if (!held) return tl::unexpected(held.error());
  auto range = allotIdRange(config_.subordinateIds, *held);
  if (!range) return tl::unexpected(range.error());
  return *range;
}

void ContainerRuntime::keepStandby(size_t count) {
  pool_.reset();
  StandbyPool::removeLeftovers(config_.stateDir, hierarchy_);
  if (count == 0) return;
  pool_ = std::make_unique<StandbyPool>(
      StandbyPoolConfig{config_.stateDir, config_.shimPath, config_.cgroupParent, count}, hierarchy_);
}

size_t ContainerRuntime::standbyReady() const {
  return pool_ ? pool_->ready() : 0;
}

std::set<std::string> ContainerRuntime::standbyCgroups() const {
  return pool_ ? pool_->cgroupPaths() : std::set<std::string>{};
}

}  // namespace agent::container
