#pragma once
// Two mounts of a container's /dev and /sys that its root cannot make the usual way when it is
// root of its own user namespace only, done the way runc does them there.
#include <string>

#include "Error.h"

namespace agent::userns {

// A device node at `path`: made with mknod; where that is refused (EPERM: only the host's
// root may make device nodes), the host's node `hostPath` is bind-mounted on an empty file.
Result<void> makeDeviceNode(const std::string& path, const std::string& hostPath, unsigned major, unsigned minor);

// sysfs, read-only, on `target`. A user namespace may mount sysfs only over a network
// namespace it owns; a container on the host's network (--net host) gets the host's /sys
// bound read-only instead.
Result<void> mountSysfs(const std::string& target);

}  // namespace agent::userns
