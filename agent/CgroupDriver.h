#pragma once
// Which cgroup driver agentd uses, the way Docker and kubelet name the choice
// (`cgroup_driver: auto | systemd | cgroupfs`, docs/cgroups.md "Under systemd"):
//   cgroupfs  containers' groups below `cgroup_parent`, a cgroup path agentd makes ("/agent")
//   systemd   a transient scope per container asked of systemd over D-Bus, in the slice
//             `cgroup_parent` names ("agent.slice"); agentd writes only inside each scope,
//             which systemd delegates to it (runtime/systemd/SystemdManager.h)
// `auto` is systemd where systemd is PID 1 and the hierarchy is cgroup v2 (every current
// distribution), cgroupfs elsewhere (v1 and hybrid hosts, no systemd: the behaviour before).
#include <memory>
#include <string>

#include "AgentConfig.h"
#include "ContainerRuntime.h"
#include "Error.h"
#include "SystemdManager.h"

namespace agent {

struct CgroupDriverChoice {
  bool systemd = false;
  std::string parentPath;  // the cgroup path containers live below: "/agent", "/agent.slice"
  std::string slice;       // systemd: the slice's name ("agent.slice"); "" for cgroupfs
  std::string why;         // for the log: "auto: systemd is PID 1 on cgroup v2", ...
};

// `driver` and `parent` as configured; `systemdBooted` and `unified` as found on this host.
// The default parent "/agent" means agent.slice under systemd, so one config serves both. An
// error (EINVAL), said for a person, for: an unknown driver; systemd asked where it cannot run;
// a parent that is not a slice name under systemd, or not an absolute path under cgroupfs.
Result<CgroupDriverChoice> chooseCgroupDriver(const std::string& driver, const std::string& parent, bool systemdBooted,
                                              bool unified);

// agentd's start: chooses the driver for this host (and logs which, and why), points
// config.cgroupParent at the containers' parent cgroup path ("/agent.slice" under systemd),
// and under systemd connects to it and fills runtimeConfig.systemd; the manager returned
// (null for cgroupfs) must outlive the runtime. An error stops agentd (a config fault: exit 2).
Result<std::shared_ptr<systemd::SystemdManager>> setUpCgroupDriver(AgentConfig& config,
                                                                   const cgroup::Hierarchy& hierarchy,
                                                                   container::RuntimeConfig& runtimeConfig);

}  // namespace agent
