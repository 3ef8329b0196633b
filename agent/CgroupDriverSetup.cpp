#include <spdlog/spdlog.h>

#include "CgroupDriver.h"

namespace agent {

namespace {

// Generous: PID 1 under load (or emulation) takes seconds to set a scope up; a run waits.
constexpr std::chrono::seconds kScopeWithin{30};

}  // namespace

Result<std::shared_ptr<systemd::SystemdManager>> setUpCgroupDriver(AgentConfig& config,
                                                                   const cgroup::Hierarchy& hierarchy,
                                                                   container::RuntimeConfig& runtimeConfig) {
  auto choice = chooseCgroupDriver(config.cgroupDriver, config.cgroupParent, systemd::systemdBooted(),
                                   hierarchy.mode() == cgroup::CgroupMode::Unified);
  if (!choice) return tl::unexpected(choice.error());
  spdlog::info("msg=\"cgroup driver\" driver={} parent={} why=\"{}\"", choice->systemd ? "systemd" : "cgroupfs",
               choice->systemd ? choice->slice : choice->parentPath, choice->why);
  config.cgroupParent = choice->parentPath;
  runtimeConfig.cgroupParent = choice->parentPath;
  if (!choice->systemd) return nullptr;
  auto connected = systemd::SystemdManager::connect();
  if (!connected) return tl::unexpected(connected.error());
  std::shared_ptr<systemd::SystemdManager> manager = std::move(*connected);
  runtimeConfig.systemd =
      container::SystemdScopes{choice->slice, choice->parentPath,
                               [manager, slice = choice->slice](const std::string& scope, const std::string& scopePath,
                                                                pid_t pid, const std::string& description) {
                                 return manager->startScope(scope, slice, scopePath, pid, description, kScopeWithin);
                               }};
  if (config.standbyContainers > 0) {
    spdlog::info(
        "msg=\"no standby containers under the systemd cgroup driver\" standby_containers={} "
        "why=\"each container's scope is made by systemd when it runs\"",
        config.standbyContainers);
    config.standbyContainers = 0;
  }
  return manager;
}

}  // namespace agent
