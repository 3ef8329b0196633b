#pragma once
// Bind volumes of a container with its own user namespace (--userns auto). Its root is an
// unprivileged host uid: through a plain bind, the host's root-owned files would show as
// nobody and be read-only to it, and what it wrote would belong to its host uid. As Docker
// users expect a volume to behave (and as podman's `:idmap` does), each source is instead
// seen through an idmapped mount with the container's mapping: host uid 0 shows as root
// inside, and what the container's root writes lands on the host as uid 0 (the user gave it
// that directory). An idmapped mount needs CAP_SYS_ADMIN over the source's filesystem, which
// the container never has, so the host's root makes it here; PID 1 then binds it onto its
// target inside the root like any other source (VolumeMounts.h).
#include <sys/types.h>

#include <string>
#include <vector>

#include "Error.h"

namespace agent::userns {

// Where source i is staged: <stagingDir>/<i>.
std::string stagedSourcePath(const std::string& stagingDir, size_t index);
// Each non-empty `sources[i]` (a host path, its symlinks followed on the host) cloned with
// its submounts, idmapped through the user namespace of `pid` and attached at
// stagedSourcePath(stagingDir, i) in the mount namespace of `pid` only (made there as an empty
// directory or file, owned by the host's root). Runs as the host's root, before PID 1 mounts.
Result<void> stageIdmappedSources(pid_t pid, const std::vector<std::string>& sources, const std::string& stagingDir,
                                  const std::string& procRoot = "/proc");

}  // namespace agent::userns
