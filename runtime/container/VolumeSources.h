#pragma once
// The host's side of the bind volumes, asked when a container is created: each source must
// exist on agentd's host (Docker's -v would make a missing one as an empty root-owned
// directory, which hides a typo; its --mount refuses, and so do we). A source that is a
// symlink is followed on the host: it is the user's own path. The mount itself opens it
// again in PID 1 (VolumeMounts.h).
#include <vector>

#include "Error.h"
#include "VolumeSpec.h"

namespace agent::container {

Result<void> checkVolumeSources(const std::vector<VolumeSpec>& volumes);
// Whether any of `volumes` binds a host path (a tmpfs is made in the container alone).
bool hasBindVolume(const std::vector<VolumeSpec>& volumes);

}  // namespace agent::container
