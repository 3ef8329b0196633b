#include "DeviceNodes.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>

#include "UniqueFd.h"

namespace agent::container {

namespace {

// `relative` (no leading '/') under `root`, every link and ".." kept inside it.
Result<UniqueFd> openDirInRoot(int root, const std::string& relative, const std::string& shown) {
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, root, relative.empty() ? "." : relative.c_str(), &how, sizeof how));
  if (fd < 0) return systemError("open the directory inside the container for --device", shown);
  return UniqueFd(fd);
}

Result<void> makeNode(int root, const DeviceMapping& device) {
  std::filesystem::path target(device.containerPath);
  std::string name = target.filename().string();
  // The parent directories, one at a time, each found inside the root.
  std::string parent;
  for (const auto& part : target.parent_path().relative_path()) {
    auto dir = openDirInRoot(root, parent, device.containerPath);
    if (!dir) return tl::unexpected(dir.error());
    if (::mkdirat(dir->get(), part.c_str(), 0755) != 0 && errno != EEXIST)
      return systemError("create the directory for --device", "/" + parent + "/" + part.string());
    parent += (parent.empty() ? "" : "/") + part.string();
  }
  auto dir = openDirInRoot(root, parent, device.containerPath);
  if (!dir) return tl::unexpected(dir.error());
  struct stat st {};
  if (::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(st.st_mode)) return logicError("create the --device node (a directory is there)", device.containerPath);
    if (::unlinkat(dir->get(), name.c_str(), 0) != 0) return systemError("replace for --device", device.containerPath);
  }
  mode_t type = device.type == 'b' ? S_IFBLK : S_IFCHR;
  if (::mknodat(dir->get(), name.c_str(), type | (device.mode & 07777), makedev(device.major, device.minor)) != 0)
    return systemError("create the --device node", device.containerPath);
  // mknod applied the umask; and the owner is the host node's.
  if (::fchownat(dir->get(), name.c_str(), device.uid, device.gid, AT_SYMLINK_NOFOLLOW) != 0 ||
      ::fchmodat(dir->get(), name.c_str(), device.mode & 07777, 0) != 0) {
    return systemError("set the owner and mode of the --device node", device.containerPath);
  }
  return {};
}

}  // namespace

Result<void> makeDeviceNodes(const std::string& root, const std::vector<DeviceMapping>& devices) {
  if (devices.empty()) return {};
  UniqueFd rootFd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!rootFd.valid()) return systemError("open the container's root for --device", root);
  for (const DeviceMapping& device : devices) {
    if (auto made = makeNode(rootFd.get(), device); !made) return made;
  }
  return {};
}

}  // namespace agent::container
