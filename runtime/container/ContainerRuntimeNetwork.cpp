// ContainerRuntime's networking steps (ContainerNetwork.h, docs/networking.md): the modes a
// run asks for checked, --net container:REF joined, a bridge container's reservation made,
// attached and released.
#include <unistd.h>

#include <filesystem>

#include "AtomicFile.h"
#include "ContainerRuntime.h"
#include "MessageText.h"

namespace agent::container {

namespace fs = std::filesystem;

Result<void> ContainerRuntime::planNetwork(const RunRequest& request, NetworkMode network,
                                           const std::vector<std::string>& publish, ContainerConfig& config) const {
  if (!publish.empty() && network == NetworkMode::Container)
    return userError("-p and -P cannot be given with --net container:" + request.networkContainer +
                         ": the ports are that container's; publish them when you run it",
                     EINVAL);
  if (!publish.empty() && network != NetworkMode::Bridge)
    return userError(
        "-p and -P publish ports of a container on the agent's bridge only; add --net bridge (this run's "
        "network is " +
            std::string(networkModeName(network)) + ")",
        EINVAL);
  if (network == NetworkMode::Bridge && !config_.network) {
    return userError("--net bridge is not available: " + (config_.networkUnavailable.empty()
                                                              ? std::string("agentd runs without bridge networking")
                                                              : config_.networkUnavailable),
                     ENOTSUP);
  }
  if (network != NetworkMode::Container) return {};
  // Docker's --net container:REF: the namespace of that container's PID 1, which must run.
  auto target = resolve(request.networkContainer);
  if (!target) return tl::unexpected(target.error());
  auto info = load(*target);
  if (!info) return tl::unexpected(info.error());
  if (info->status.state == ContainerState::Stopped || !info->status.pid) {
    return userError("cannot join the network of container " + quotedForMessage(info->config.name) +
                         ": it is not running; start a container that runs, then join it",
                     ESRCH);
  }
  // One network namespace, one host: Docker refuses --hostname here and gives NAME's.
  if (!request.hostname.empty())
    return userError("--hostname cannot be given with --net container:" + request.networkContainer +
                         ": the container shares that one's network and takes its hostname",
                     EINVAL);
  config.spec.hostname = info->config.spec.hostname;
  config.spec.networkContainer = *target;
  config.spec.netnsPath = "/proc/" + std::to_string(info->status.pid->pid) + "/ns/net";
  // The same /etc/hosts and resolv.conf as the container it joins (Docker shares them too).
  config.spec.etcFiles = info->config.spec.etcFiles;
  return {};
}

Result<void> ContainerRuntime::reserveNetwork(const std::vector<std::string>& publish, ContainerConfig& config) {
  if (config.spec.network != NetworkMode::Bridge) return {};
  auto reserved =
      config_.network->reserve({config.spec.id, config.name, config.spec.hostname, config.cgroupPath}, publish);
  if (!reserved) return tl::unexpected(reserved.error());
  config.networkAddress = reserved->address;
  config.ports = reserved->ports;
  // Beside the layers, as Docker keeps them in its container directory: removed with it.
  for (const auto& [target, text] : reserved->etcFiles) {
    std::string name = fs::path(target).filename().string();
    // Readable by every user of the container; with --userns auto owned by its root, which
    // may write them as a container's root may write Docker's.
    auto written = writeFileAtomically(config.spec.layerDir, name, text, 0644);
    if (written && config.spec.userns &&
        ::chown((config.spec.layerDir + "/" + name).c_str(), config.spec.userns->hostUid,
                config.spec.userns->hostGid) != 0)
      written = systemError("give the container's root", config.spec.layerDir + "/" + name);
    if (!written) {
      releaseNetwork(config);
      return tl::unexpected(written.error());
    }
    VolumeSpec file;
    file.source = config.spec.layerDir + "/" + name;
    file.target = target;
    config.spec.etcFiles.push_back(std::move(file));
  }
  return {};
}

Result<void> ContainerRuntime::attachNetwork(const ContainerConfig& config, pid_t pid1) {
  if (config.spec.network != NetworkMode::Bridge) return {};
  return config_.network->attach(config.spec.id, pid1);
}

tl::expected<StartedShim, ShimStartFailure> ContainerRuntime::startContainerShim(const ContainerConfig& config,
                                                                                 StandbyShim* standby) {
  std::string bundle = store_.dirOf(config.spec.id);
  if (config.spec.network != NetworkMode::Bridge)
    return standby ? releaseStandbyShim(*standby, config_.shimPath) : startShim(config_.shimPath, bundle);
  // PID 1 waits in its own network namespace, before its command, until the veth is there:
  // its command never runs without its network.
  std::optional<StandbyShim> paused;
  if (!standby) {
    auto started = startShimAwaitingRelease(config_.shimPath, bundle);
    if (!started) return tl::unexpected(started.error());
    paused = std::move(*started);
    standby = &*paused;
  }
  if (auto attached = attachNetwork(config, standby->containerPid); !attached) {
    dropStandbyShim(*standby);  // the shim abandons PID 1 and records nothing
    return tl::unexpected(ShimStartFailure{attached.error(), 125});
  }
  return releaseStandbyShim(*standby, config_.shimPath);
}

void ContainerRuntime::releaseNetwork(const ContainerConfig& config) {
  if (config.spec.network != NetworkMode::Bridge || !config_.network) return;
  (void)config_.network->release(config.spec.id);
}

}  // namespace agent::container
