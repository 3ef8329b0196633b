#pragma once
// Two mounts of a container's /dev and /sys that its root cannot make the usual way when it is
// root of its own user namespace only, done the way runc does them there. Targets are
// descriptors already resolved inside the container's root (MountTargets.h): nothing here
// follows a path of the image.
#include <string>

#include "Error.h"

namespace agent::userns {

// A device node `name` in the directory `devFd`: made with mknodat; where that is refused
// (EPERM: only the host's root may make device nodes), the host's node `hostPath` (checked to
// be the character device major:minor) is bind-mounted on an empty file made there.
Result<void> makeDeviceNode(int devFd, const char* name, const std::string& hostPath, unsigned major, unsigned minor);

// sysfs, read-only, on the directory `sysFd` (`shown` names it in errors). A user namespace may
// mount sysfs only over a network namespace it owns; a container on the host's network
// (--net host) gets a recursive read-only copy of the host's /sys instead.
Result<void> mountSysfs(int sysFd, const std::string& shown);

}  // namespace agent::userns
