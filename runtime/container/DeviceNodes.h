#pragma once
// The nodes of --device (DeviceMapping), made in the container's root before its command
// runs. Each path is resolved inside the root (openat2 RESOLVE_IN_ROOT): a symlink in the
// image cannot lead the node, or a directory made for it, out onto the host.
#include <string>
#include <vector>

#include "ContainerSpec.h"
#include "Error.h"

namespace agent::container {

// Makes each device's node at its containerPath under `root`, with missing directories
// (0755), the host node's mode and owner; whatever non-directory was there is replaced.
Result<void> makeDeviceNodes(const std::string& root, const std::vector<DeviceMapping>& devices);

}  // namespace agent::container
