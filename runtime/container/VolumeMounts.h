#pragma once
// The volumes of a container (-v, --tmpfs) and its --read-only root, mounted by its PID 1 in
// its own mount namespace after the system filesystems and before pivot_root. Each target is
// resolved inside the root (MountTargets.h): a symlink the image has at /data that points at
// /etc is followed to the root's own /etc, never the host's. A bind source is opened on the
// host (its symlinks are the user's own) and its mount tree cloned from that descriptor, made
// read-only while still detached for `ro`, then moved onto the target's descriptor: no step
// names a path inside the root.
#include <sys/types.h>

#include <string>
#include <vector>

#include "Error.h"
#include "VolumeSpec.h"

namespace agent::container {

// `root` is the container's root as the host's tree names it. Parents are mounted before
// children (/a before /a/b), whatever the order given. `stagedSources`: where the shim put
// each bind source with the container's id mapping (IdmappedVolumes.h), source i at
// stagedSources/i; empty: the host paths themselves.
Result<void> mountVolumes(const std::string& root, const std::vector<VolumeSpec>& volumes,
                          const std::string& stagedSources = "");
// With --userns auto, the shim's part, as the host's root, before PID 1 is released: each bind
// source staged idmapped under volumeStagingDir(layerDir) in PID 1's mount namespace
// (IdmappedVolumes.h), for mountVolumes to take from there.
std::string volumeStagingDir(const std::string& layerDir);
Result<void> stageVolumeSources(pid_t pid, const std::vector<VolumeSpec>& volumes, const std::string& layerDir);
// --read-only: the root's own mount (the overlay) read-only, as Docker's ReadonlyRootfs; the
// mounts on it (/dev, /dev/shm, /proc, tmpfs and rw volumes) stay as they are.
Result<void> makeRootReadOnly(const std::string& root);

}  // namespace agent::container
