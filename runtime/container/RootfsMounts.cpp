#include "RootfsMounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "MountTargets.h"
#include "NamespacedMounts.h"
#include "UniqueFd.h"

namespace agent::container {

namespace {

Result<void> mountAt(const char* source, const std::string& target, const char* type, unsigned long flags,
                     const std::string& data = "") {
  if (::mount(source, target.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) != 0) {
    return systemError(std::string("mount ") + (type ? type : source) + " on", target);
  }
  return {};
}

Result<void> makeDir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return systemError("create directory", path);
  return {};
}

struct DeviceNode {
  const char* name;
  unsigned major, minor;
};
// The nodes every container gets (as runc and Docker give them).
constexpr DeviceNode kDevices[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                                   {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

// Every target below is resolved inside the root and mounted through its descriptor
// (MountTargets.h): a symlink the image has at /proc, /dev, /sys or below never leads a
// mount, a node or a link out of the root. After a mount the target is opened again, to
// name the new filesystem rather than the directory under it.
Result<void> populateDev(int rootFd) {
  auto mountPoint = openOrMakeDirInRoot(rootFd, "/dev", 0755);
  if (!mountPoint) return tl::unexpected(mountPoint.error());
  if (auto r =
          mountOnto("tmpfs", mountPoint->get(), "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", "/dev");
      !r) {
    return r;
  }
  auto dev = openInRoot(rootFd, "/dev");
  if (!dev) return tl::unexpected(dev.error());
  for (const auto& node : kDevices) {
    // In a user namespace of its own, the host's node is bound instead (NamespacedMounts.h).
    auto made = userns::makeDeviceNode(dev->get(), node.name, std::string("/dev/") + node.name, node.major, node.minor);
    if (!made) return made;
  }
  struct Fs {
    const char* path;
    const char* source;
    const char* type;
    unsigned long flags;
    const char* data;
  };
  for (const Fs& fs : {Fs{"/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"},
                       Fs{"/dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k"}}) {
    auto target = openOrMakeDirInRoot(rootFd, fs.path, 0755);
    if (!target) return tl::unexpected(target.error());
    if (auto r = mountOnto(fs.source, target->get(), fs.type, fs.flags, fs.data, fs.path); !r) return r;
  }
  struct Link {
    const char* target;
    const char* name;
  };
  for (const Link& link : {Link{"pts/ptmx", "ptmx"}, Link{"/proc/self/fd", "fd"}, Link{"/proc/self/fd/0", "stdin"},
                           Link{"/proc/self/fd/1", "stdout"}, Link{"/proc/self/fd/2", "stderr"}}) {
    if (::symlinkat(link.target, dev->get(), link.name) != 0) {
      return systemError("create link", std::string("/dev/") + link.name);
    }
  }
  return {};
}

// The container's own /dev/null, checked to be that node: the source of the file masks.
Result<UniqueFd> openDevNull(int rootFd) {
  auto null = openInRoot(rootFd, "/dev/null");
  if (!null) return null;
  struct stat st {};
  if (::fstat(null->get(), &st) != 0) return systemError("inspect", "/dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
    return logicError("mask /proc paths with /dev/null (it is not the null device)", "/dev/null");
  }
  return null;
}

// Paths of /proc that reveal or reach the host: hidden behind /dev/null (files) or an empty
// read-only tmpfs (directories), as runc's default masked paths.
constexpr const char* kMaskedProcPaths[] = {"/proc/kcore",       "/proc/keys",          "/proc/timer_list",
                                            "/proc/sched_debug", "/proc/latency_stats", "/proc/acpi",
                                            "/proc/scsi"};

Result<void> maskProc(int rootFd) {
  auto null = openDevNull(rootFd);
  if (!null) return tl::unexpected(null.error());
  for (const char* path : kMaskedProcPaths) {
    auto target = openInRoot(rootFd, path);
    if (!target) {
      if (target.error().errnum == ENOENT) continue;  // this kernel does not have it
      return tl::unexpected(target.error());
    }
    struct stat st {};
    if (::fstat(target->get(), &st) != 0) return systemError("inspect", path);
    auto r = S_ISDIR(st.st_mode) ? mountOnto("tmpfs", target->get(), "tmpfs", MS_RDONLY, "size=0", path)
                                 : bindOnto(null->get(), target->get(), path);
    if (!r) return r;
  }
  // /proc/sys read-only: a bind mount of itself, then (the bind mount opened) remounted read-only.
  auto sys = openInRoot(rootFd, "/proc/sys");
  if (!sys) return tl::unexpected(sys.error());
  if (auto r = bindOnto(sys->get(), sys->get(), "/proc/sys"); !r) return r;
  auto bound = openInRoot(rootFd, "/proc/sys");
  if (!bound) return tl::unexpected(bound.error());
  return mountOnto(nullptr, bound->get(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   "", "/proc/sys");
}

}  // namespace

Result<void> mountOverlay(const ContainerSpec& spec) {
  std::string upper = spec.layerDir + "/upper", work = spec.layerDir + "/work", merged = spec.layerDir + "/merged";
  for (const auto& dir : {upper, work, merged}) {
    if (auto r = makeDir(dir, 0755); !r) return r;
  }
  // A layered image's lowerdir entries are relative to lowerBase (short: 100+ layers fit the
  // options' page); the kernel resolves them from the mounting process's directory.
  if (!spec.lowerBase.empty() && ::chdir(spec.lowerBase.c_str()) != 0)
    return systemError("enter the image store", spec.lowerBase);
  return mountAt("overlay", merged, "overlay", 0,
                 "lowerdir=" + overlayLowerDirs(spec) + ",upperdir=" + upper + ",workdir=" + work);
}

Result<void> mountSystemFilesystems(const std::string& root) {
  UniqueFd rootFd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!rootFd.valid()) return systemError("open the container's root", root);
  auto proc = openOrMakeDirInRoot(rootFd.get(), "/proc", 0755);
  if (!proc) return tl::unexpected(proc.error());
  if (auto r = mountOnto("proc", proc->get(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", "/proc"); !r) return r;
  if (auto r = populateDev(rootFd.get()); !r) return r;
  auto sys = openOrMakeDirInRoot(rootFd.get(), "/sys", 0755);
  if (!sys) return tl::unexpected(sys.error());
  if (auto r = userns::mountSysfs(sys->get(), "/sys"); !r) return r;
  return maskProc(rootFd.get());
}

Result<void> pivotInto(const std::string& root) {
  // pivot_root(".", ".") stacks the old root on top of the new one, so no directory has to
  // be made inside the image for it; unmounting "." then drops the old root.
  if (::chdir(root.c_str()) != 0) return systemError("enter new root", root);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return systemError("pivot_root into", root);
  if (::umount2(".", MNT_DETACH) != 0) return systemError("detach the old root from", root);
  if (::chdir("/") != 0) return systemError("enter", "/");
  return {};
}

}  // namespace agent::container
