#include "NamespacedMounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "UniqueFd.h"

namespace agent::userns {

namespace {

std::string fdPath(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace

Result<void> makeDeviceNode(int devFd, const char* name, const std::string& hostPath, unsigned major, unsigned minor) {
  std::string shown = std::string("/dev/") + name;
  if (::mknodat(devFd, name, S_IFCHR | 0666, makedev(major, minor)) == 0) {
    // mknod applies the umask.
    if (::fchmodat(devFd, name, 0666, 0) != 0) return systemError("set the mode of device node", shown);
    return {};
  }
  if (errno != EPERM) return systemError("create device node", shown);
  UniqueFd host(::open(hostPath.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!host.valid()) return systemError("open the host's device node", hostPath);
  struct stat st {};
  if (::fstat(host.get(), &st) != 0) return systemError("inspect the host's device node", hostPath);
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(major, minor)) {
    return logicError("bind the host's device node (it is not the device expected)", hostPath);
  }
  UniqueFd target(::openat(devFd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
  if (!target.valid()) return systemError("create a mount point for the device", shown);
  if (::mount(fdPath(host.get()).c_str(), fdPath(target.get()).c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return systemError("bind the host's " + hostPath + " on", shown);
  }
  return {};
}

Result<void> mountSysfs(int sysFd, const std::string& shown) {
  constexpr unsigned long kFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (::mount("sysfs", fdPath(sysFd).c_str(), "sysfs", kFlags, nullptr) == 0) return {};
  if (errno != EPERM) return systemError("mount sysfs on", shown);
  // A detached copy of the host's /sys with every mount in it read-only, moved onto the
  // target: no step names a path inside the container's root.
  UniqueFd tree(::open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!tree.valid()) return systemError("copy the host's /sys for", shown);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0) {
    return systemError("make read-only the host's /sys for", shown);
  }
  if (::move_mount(tree.get(), "", sysFd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
    return systemError("bind the host's /sys on", shown);
  }
  return {};
}

}  // namespace agent::userns
