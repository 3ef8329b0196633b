#include "NamespacedMounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace agent::userns {

Result<void> makeDeviceNode(const std::string& path, const std::string& hostPath, unsigned major, unsigned minor) {
  if (::mknod(path.c_str(), S_IFCHR | 0666, makedev(major, minor)) == 0) {
    ::chmod(path.c_str(), 0666);  // mknod applies the umask
    return {};
  }
  if (errno != EPERM) return systemError("create device node", path);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return systemError("create a mount point for the device", path);
  ::close(fd);
  if (::mount(hostPath.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0)
    return systemError("bind the host's " + hostPath + " on", path);
  return {};
}

Result<void> mountSysfs(const std::string& target) {
  constexpr unsigned long kFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (::mount("sysfs", target.c_str(), "sysfs", kFlags, nullptr) == 0) return {};
  if (errno != EPERM) return systemError("mount sysfs on", target);
  if (::mount("/sys", target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return systemError("bind the host's /sys on", target);
  if (::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | kFlags, nullptr) != 0)
    return systemError("make read-only the host's /sys on", target);
  return {};
}

}  // namespace agent::userns
