#include "CgroupDriver.h"

#include "Cgroup.h"
#include "SliceName.h"

namespace agent {

namespace {

constexpr const char* kDefaultParent = "/agent";

}  // namespace

Result<CgroupDriverChoice> chooseCgroupDriver(const std::string& driver, const std::string& parent, bool systemdBooted,
                                              bool unified) {
  if (driver != "auto" && driver != "systemd" && driver != "cgroupfs") {
    return userError("cgroup_driver \"" + driver + "\" is not one of auto, systemd, cgroupfs", EINVAL);
  }
  CgroupDriverChoice choice;
  bool systemdHere = systemdBooted && unified;
  if (driver == "systemd" && !systemdHere) {
    return userError(std::string("cgroup_driver: systemd needs systemd as PID 1 on cgroup v2; this host has ") +
                         (systemdBooted ? "systemd" : "no systemd as PID 1") + " on " +
                         (unified ? "cgroup v2" : "cgroup v1 or hybrid") + ": use cgroup_driver: cgroupfs or auto",
                     EINVAL);
  }
  choice.systemd = driver == "systemd" || (driver == "auto" && systemdHere);
  if (driver == "auto") {
    choice.why = choice.systemd
                     ? "auto: systemd is PID 1 on cgroup v2"
                     : std::string("auto: ") + (systemdBooted ? "cgroup v1 or hybrid" : "no systemd as PID 1");
  } else {
    choice.why = "cgroup_driver: " + driver;
  }
  if (!choice.systemd) {
    if (parent.ends_with(".slice")) {
      return userError("cgroup_parent \"" + parent + "\" is a systemd slice, but the cgroup driver is cgroupfs (" +
                           choice.why + "): give a cgroup path such as /agent, or run under systemd on cgroup v2",
                       EINVAL);
    }
    if (auto valid = cgroup::validateCgroupPath(parent); !valid) {
      return userError("cgroup_parent: " + valid.error().message() + " (the default is /agent)", EINVAL);
    }
    choice.parentPath = parent;
    return choice;
  }
  choice.slice = parent == kDefaultParent ? "agent.slice" : parent;
  if (!choice.slice.ends_with(".slice")) {
    return userError("cgroup_parent \"" + parent + "\" is a cgroup path, but the cgroup driver is systemd (" +
                         choice.why +
                         "): there it names a slice (e.g. agent.slice), since a group systemd did not "
                         "delegate is systemd's own; or set cgroup_driver: cgroupfs to keep the path",
                     EINVAL);
  }
  auto path = systemd::slicePath(choice.slice);
  if (!path) return tl::unexpected(path.error());
  choice.parentPath = *path;
  return choice;
}

}  // namespace agent
