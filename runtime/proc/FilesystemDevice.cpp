#include "FilesystemDevice.h"

namespace agent::proc {

namespace {

bool typeCadvisorKnows(const std::string& type) {
  return type.rfind("ext", 0) == 0 || type == "btrfs" || type == "overlay" || type == "tmpfs" || type == "xfs" ||
         type == "zfs";
}

std::string nameOf(const MountEntry& m) {
  if (m.fsType == "tmpfs") return m.mountPoint;
  if (m.fsType == "overlay") return m.source + "_" + std::to_string(m.major) + "-" + std::to_string(m.minor);
  return m.source;
}

}  // namespace

std::optional<std::string> filesystemDeviceName(const std::vector<MountEntry>& mounts, unsigned major, unsigned minor) {
  // The first mount of that device in mount order: bind mounts of one source come later and
  // carry the same source (cAdvisor keeps one entry per source).
  for (const auto& m : mounts) {
    if (m.major == major && m.minor == minor && typeCadvisorKnows(m.fsType)) return nameOf(m);
  }
  // cAdvisor adds the root filesystem under its source, whatever its type.
  for (const auto& m : mounts) {
    if (m.mountPoint == "/" && m.major == major && m.minor == minor) return m.source;
  }
  return std::nullopt;
}

}  // namespace agent::proc
