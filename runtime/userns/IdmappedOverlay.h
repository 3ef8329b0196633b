#pragma once
// The root filesystem of a container with its own user namespace. The image is never chowned
// or copied: its directory is cloned into an idmapped mount (files owned by 0 on disk show as
// the container's root), and the overlay is stacked on that. Only the layers can be idmapped,
// not the finished overlay (overlayfs does not allow it), so the layer goes first; and upper/
// and work/ are plain directories, owned by the mapping's root so that the container's root
// owns `/` and what it creates lands on disk with its host ids.
#include <sys/types.h>

#include <string>
#include <vector>

#include "Error.h"
#include "IdMapping.h"

namespace agent::userns {

// Mounts <layerDir>/merged in the mount namespace of `pid`, a container's PID 1 that waits
// with its ids mapped and has not yet looked at its root. Runs as the host's root (an idmapped
// mount needs CAP_SYS_ADMIN over the image's filesystem, which the container never has).
// `lowers`: the image's layers as absolute directories, top first (one for a flat image).
Result<void> mountIdmappedOverlay(pid_t pid, const std::vector<std::string>& lowers, const std::string& layerDir,
                                  const IdMapping& mapping, const std::string& procRoot = "/proc");

}  // namespace agent::userns
