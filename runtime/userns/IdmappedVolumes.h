#pragma once
// Bind volumes of a container with its own user namespace (--userns auto). Its root is an
// unprivileged host uid, and by default it stays one on a volume too, as with Docker's
// userns-remap: the host's root-owned files show as nobody and are read-only to it, and what
// it writes belongs to its host uid (it can never leave a setuid-root file on the host). A
// volume given `:idmap` (as podman's) is instead seen through an idmapped mount with the
// container's mapping: host uid 0 shows as root inside, and what the container's root writes
// lands on the host as uid 0, setuid bits included: the user hands that directory to the
// container's root. Either way the host's root clones the source here (an idmapped mount
// needs CAP_SYS_ADMIN over the source's filesystem, which the container never has; a plain
// clone is made the same way so the container's root need not reach the source's path);
// PID 1 then binds it onto its target inside the root like any other source (VolumeMounts.h).
#include <sys/types.h>

#include <string>
#include <vector>

#include "Error.h"

namespace agent::userns {

// Where source i is staged: <stagingDir>/<i>.
std::string stagedSourcePath(const std::string& stagingDir, size_t index);

struct StagedSource {
  std::string path;    // a host path; empty: nothing to stage (a tmpfs)
  bool idmap = false;  // through the container's mapping (`:idmap`), else a plain clone
};

// Each non-empty `sources[i]` (a host path, its symlinks followed on the host) cloned with
// its submounts, idmapped (when asked) through the user namespace of `pid` and attached at
// stagedSourcePath(stagingDir, i) in the mount namespace of `pid` only (made there as an empty
// directory or file, owned by the host's root). Runs as the host's root, before PID 1 mounts.
Result<void> stageVolumeSources(pid_t pid, const std::vector<StagedSource>& sources, const std::string& stagingDir,
                                const std::string& procRoot = "/proc");

}  // namespace agent::userns
