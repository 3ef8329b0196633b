#include "VolumeSources.h"

#include <sys/stat.h>

#include <cstring>

#include "MessageText.h"

namespace agent::container {

Result<void> checkVolumeSources(const std::vector<VolumeSpec>& volumes) {
  for (const VolumeSpec& volume : volumes) {
    if (volume.kind != VolumeKind::Bind) continue;
    struct stat st {};
    if (::stat(volume.source.c_str(), &st) == 0) continue;
    int err = errno;
    return userError("the host path " + quotedForMessage(volume.source) + " of volume " +
                         quotedForMessage(volumeOptionText(volume)) + " cannot be used: " + std::strerror(err) +
                         " on agentd's host; create it there first (mkdir -p), or fix the path",
                     err == ENOENT ? ENOENT : EINVAL);
  }
  return {};
}

bool hasBindVolume(const std::vector<VolumeSpec>& volumes) {
  for (const VolumeSpec& volume : volumes) {
    if (volume.kind == VolumeKind::Bind) return true;
  }
  return false;
}

}  // namespace agent::container
