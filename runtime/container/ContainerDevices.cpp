// ContainerRuntime, the part that looks at running containers' device confinement when an
// agentd re-adopts them. A container is never lost over it: one that an older agentd started
// without confinement runs on as it is (its processes are not moved into a new, stricter
// group under it) and is reported, so the operator can recreate it; a cgroup v2 program that
// went missing from a container that had one is attached again.
#include "ContainerRuntime.h"

namespace agent::container {

void ContainerRuntime::recheckDevices(const std::string& id, WatchReport& report) const {
  auto config = store_.readConfig(id);
  if (!config) return;
  auto group = cgroupOf(*config);
  if (!group) return;  // stopped meanwhile
  auto why = group->whyDevicesUnconfined();
  if (!why) {
    report.devicesUnconfined.push_back({id, config->name, "cannot tell: " + why.error().message()});
    return;
  }
  if (!*why) return;
  if (config->deviceRules && group->deviceMechanism() == cgroup::DeviceMechanism::BpfProgram) {
    // A program only restricts: attaching the container's own again takes nothing it had.
    auto restored = group->applyDeviceRules(*config->deviceRules);
    if (restored) {
      ++report.deviceProgramsRestored;
      return;
    }
    report.devicesUnconfined.push_back(
        {id, config->name, **why + "; attaching it again failed: " + restored.error().message()});
    return;
  }
  std::string started = config->deviceRules ? "" : "started by an agentd without device confinement: ";
  report.devicesUnconfined.push_back(
      {id, config->name,
       started + **why +
           "; it runs on as it is (its processes may use any device node they make); recreate it to confine it"});
}

}  // namespace agent::container
