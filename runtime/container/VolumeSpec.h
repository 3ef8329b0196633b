#pragma once
// A volume of a container, as Docker's CLI takes it: `-v HOST:CONTAINER[:ro]` binds a host
// file or directory (and what is mounted under it) at CONTAINER, and `--tmpfs
// CONTAINER[:size=64m,mode=1777]` mounts a fresh tmpfs there. The parsers only read text;
// whether the host path exists is asked on the host (VolumeSources.h), and the mounts are
// made by the container's PID 1 (VolumeMounts.h).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::container {

enum class VolumeKind { Bind, Tmpfs };

struct VolumeSpec {
  VolumeKind kind = VolumeKind::Bind;
  std::string source;  // Bind: the host's path, absolute; Tmpfs: empty
  std::string target;  // absolute, normalised, never "/" nor under /proc or /sys
  bool readOnly = false;
  // Bind with --userns auto: seen through an idmapped mount with the container's mapping
  // (podman's `:idmap`): the host's owners show as they are, and the container's root writes
  // as the host's root. Without it (Docker's userns-remap), the container's ids are its
  // unprivileged host range on the volume too.
  bool idmap = false;
  // Tmpfs only. 0: the kernel's default size (half of the host's memory), as Docker's.
  uint64_t sizeBytes = 0;
  uint32_t mode = 01777;
  bool exec = false;  // Docker's tmpfs is noexec unless asked (and always nosuid, nodev)
  bool operator==(const VolumeSpec&) const = default;
};

// "/srv/data:/data", "/srv/data:/data:ro,idmap" (options: ro or rw, idmap). Both paths absolute.
Result<VolumeSpec> parseVolumeOption(std::string_view text);
// "/tmp", "/tmp:size=64m,mode=1777" (options: size=N[k|m|g], mode=OCTAL, ro, rw, exec,
// noexec, and Docker's nosuid and nodev, which are always on).
Result<VolumeSpec> parseTmpfsOption(std::string_view text);
// The text each parser takes back: "-v" form for a bind, "--tmpfs" form for a tmpfs.
std::string volumeOptionText(const VolumeSpec& volume);
// Each of `volumes` re-checked as its parser would, and no two on the same target.
Result<void> validateVolumes(const std::vector<VolumeSpec>& volumes);
// Why `path` cannot be a volume's container path (not absolute, the root, under /proc, /sys or
// /dev/pts, /dev itself), or nothing; `path` becomes its normal form. Checked on the text at
// parse time and again on where the path resolves inside the image (VolumeMounts.cpp).
std::optional<std::string> containerPathProblem(std::string& path);
// The mount options of a tmpfs volume: "mode=1777,size=67108864".
std::string tmpfsMountData(const VolumeSpec& volume);

}  // namespace agent::container
