#include "RootfsMounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "NamespacedMounts.h"

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

Result<void> populateDev(const std::string& dev) {
  if (auto r = mountAt("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"); !r) return r;
  for (const auto& node : kDevices) {
    // In a user namespace of its own, the host's node is bound instead (NamespacedMounts.h).
    auto made = userns::makeDeviceNode(dev + "/" + node.name, std::string("/dev/") + node.name, node.major, node.minor);
    if (!made) return made;
  }
  for (const char* dir : {"/pts", "/shm"}) {
    if (auto r = makeDir(dev + dir, 0755); !r) return r;
  }
  if (auto r = mountAt("devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
      !r) {
    return r;
  }
  if (auto r = mountAt("shm", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k"); !r) {
    return r;
  }
  struct Link {
    const char* target;
    const char* name;
  };
  for (const Link& link : {Link{"pts/ptmx", "/ptmx"}, Link{"/proc/self/fd", "/fd"}, Link{"/proc/self/fd/0", "/stdin"},
                           Link{"/proc/self/fd/1", "/stdout"}, Link{"/proc/self/fd/2", "/stderr"}}) {
    if (::symlink(link.target, (dev + link.name).c_str()) != 0) return systemError("create link", dev + link.name);
  }
  return {};
}

// Paths of /proc that reveal or reach the host: hidden behind /dev/null (files) or an empty
// read-only tmpfs (directories), as runc's default masked paths.
constexpr const char* kMaskedProcPaths[] = {"/proc/kcore",       "/proc/keys",          "/proc/timer_list",
                                            "/proc/sched_debug", "/proc/latency_stats", "/proc/acpi",
                                            "/proc/scsi"};

Result<void> maskProc(const std::string& root) {
  for (const char* relative : kMaskedProcPaths) {
    std::string path = root + relative;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;  // this kernel does not have it
    auto r = S_ISDIR(st.st_mode) ? mountAt("tmpfs", path, "tmpfs", MS_RDONLY, "size=0")
                                 : mountAt((root + "/dev/null").c_str(), path, nullptr, MS_BIND);
    if (!r) return r;
  }
  // /proc/sys read-only: a bind mount of itself, then remounted read-only.
  std::string sys = root + "/proc/sys";
  if (auto r = mountAt(sys.c_str(), sys, nullptr, MS_BIND | MS_REC); !r) return r;
  return mountAt(nullptr, sys, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

}  // namespace

Result<void> mountOverlay(const ContainerSpec& spec) {
  std::string upper = spec.layerDir + "/upper", work = spec.layerDir + "/work", merged = spec.layerDir + "/merged";
  for (const auto& dir : {upper, work, merged}) {
    if (auto r = makeDir(dir, 0755); !r) return r;
  }
  return mountAt("overlay", merged, "overlay", 0,
                 "lowerdir=" + spec.imageRootfs + ",upperdir=" + upper + ",workdir=" + work);
}

Result<void> mountSystemFilesystems(const std::string& root) {
  for (const char* dir : {"/proc", "/dev", "/sys"}) {
    if (auto r = makeDir(root + dir, 0755); !r) return r;
  }
  if (auto r = mountAt("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC); !r) return r;
  if (auto r = populateDev(root + "/dev"); !r) return r;
  if (auto r = userns::mountSysfs(root + "/sys"); !r) return r;
  return maskProc(root);
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
