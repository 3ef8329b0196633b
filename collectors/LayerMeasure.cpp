#include "LayerMeasure.h"

#include <unistd.h>

#include "DirectoryUsage.h"
#include "FilesystemDevice.h"
#include "ProcFs.h"

namespace agent::collectors {

Result<LayerUsage> LayerMeasure::operator()(const std::string& upperDir) {
  auto dir = openDirectoryNoFollow(upperDir);
  if (!dir) return tl::unexpected(dir.error());
  auto fs = filesystemOf(dir->get(), upperDir);
  if (!fs) return tl::unexpected(fs.error());
  auto usage = measureDirectoryUsage(dir->get(), upperDir);
  if (!usage) return tl::unexpected(usage.error());
  return LayerUsage{.device = deviceName(fs->major, fs->minor),
                    .usageBytes = usage->bytes,
                    .limitBytes = fs->capacityBytes,
                    .inodes = usage->inodes};
}

const std::string& LayerMeasure::deviceName(unsigned major, unsigned minor) {
  auto key = std::make_pair(major, minor);
  if (auto found = names_.find(key); found != names_.end()) return found->second;
  std::optional<std::string> name;
  if (auto mounts = proc::ProcFs(procRoot_).readMountinfo(::getpid())) {
    name = proc::filesystemDeviceName(*mounts, major, minor);
  }
  // Where cAdvisor finds no mount it exports nothing; major:minor keeps the usage visible
  // (the io series name unnamed devices the same way).
  return names_.emplace(key, name ? *name : std::to_string(major) + ":" + std::to_string(minor)).first->second;
}

}  // namespace agent::collectors
