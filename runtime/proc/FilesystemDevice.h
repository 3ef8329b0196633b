#pragma once
// The `device` label of container_fs_usage_bytes / container_fs_limit_bytes, named as cAdvisor
// names it (fs.go processMounts, GetDirFsDevice): the device of the filesystem holding the
// directory, found by its major:minor among the host's mounts.
#include <optional>
#include <string>
#include <vector>

#include "Mountinfo.h"

namespace agent::proc {

// cAdvisor's name for the filesystem with device number major:minor, from a mount table:
// - ext*, xfs, btrfs, zfs: the mount source ("/dev/vda");
// - tmpfs: the mount point ("/dev/shm"), its source being only "tmpfs";
// - overlay: "<source>_<major>-<minor>" ("overlay_0-61"), overlay sources being all alike;
// - the filesystem mounted at "/", whatever its type: its source.
// Nothing when no such mount is there (cAdvisor then exports no filesystem series; the
// caller decides, see docs/metrics.md).
std::optional<std::string> filesystemDeviceName(const std::vector<MountEntry>& mounts, unsigned major, unsigned minor);

}  // namespace agent::proc
