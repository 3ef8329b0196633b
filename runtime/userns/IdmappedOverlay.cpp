#include "IdmappedOverlay.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "UniqueFd.h"

namespace agent::userns {

namespace {

Result<void> makeOwnedDir(const std::string& path, mode_t mode, uid_t uid, gid_t gid) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return systemError("create directory", path);
  if (::chown(path.c_str(), uid, gid) != 0) return systemError("give the container's root", path);
  if (::chmod(path.c_str(), mode) != 0) return systemError("set the mode of", path);  // mkdir applies the umask
  return {};
}

Result<UniqueFd> openNamespace(const std::string& procRoot, pid_t pid, const char* type) {
  std::string path = procRoot + "/" + std::to_string(pid) + "/ns/" + type;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return systemError("open namespace", path);
  return fd;
}

// The image's directory as a detached mount whose files show through the container's mapping.
Result<UniqueFd> idmappedClone(const std::string& imageRootfs, int usernsFd) {
  UniqueFd tree(::open_tree(AT_FDCWD, imageRootfs.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (!tree.valid()) return systemError("clone a mount of the image", imageRootfs);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(usernsFd);
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0) {
    if (errno == EINVAL) {
      return systemError(
          "make an idmapped mount (the filesystem cannot be idmapped on this kernel: tmpfs before 6.3, 9p, nfs, "
          "overlayfs; keep the data dir on ext4, xfs or btrfs, or run with --userns host) of",
          imageRootfs);
    }
    return systemError("make an idmapped mount of", imageRootfs);
  }
  return tree;
}

// What the helper reports when a step fails. Fixed size: one write(2), no allocation after fork.
struct StepFailure {
  int errnum;
  char action[120];
  char path[512];
};

[[noreturn]] void failStep(int reportFd, const char* action, const char* path) {
  StepFailure failure{};
  failure.errnum = errno;
  std::strncpy(failure.action, action, sizeof failure.action - 1);
  std::strncpy(failure.path, path, sizeof failure.path - 1);
  (void)!::write(reportFd, &failure, sizeof failure);
  ::_exit(1);
}

}  // namespace

Result<void> mountIdmappedOverlay(pid_t pid, const std::vector<std::string>& lowers, const std::string& layerDir,
                                  const IdMapping& mapping, const std::string& procRoot) {
  if (lowers.empty()) return logicError("mount the root (no layer given) of", layerDir);
  struct stat image {};
  if (::stat(lowers.front().c_str(), &image) != 0) return systemError("look at the image", lowers.front());
  std::string upper = layerDir + "/upper", work = layerDir + "/work", merged = layerDir + "/merged",
              lower = layerDir + "/lower";
  // `/` of the container is upper/'s root: it takes the top layer root's mode, owned by the
  // container's root. merged/ and lower/<i> are only mount points.
  if (auto r = makeOwnedDir(upper, image.st_mode & 07777, mapping.hostUid, mapping.hostGid); !r) return r;
  if (auto r = makeOwnedDir(work, 0700, mapping.hostUid, mapping.hostGid); !r) return r;
  for (const auto& dir : {merged, lower}) {
    if (auto r = makeOwnedDir(dir, 0755, 0, 0); !r) return r;
  }
  // One staging point per layer, named by its index: "lower/0:lower/1:..." from layerDir keeps
  // the options short for 100+ layers.
  std::vector<std::string> points;
  std::string lowerOption;
  for (size_t i = 0; i < lowers.size(); ++i) {
    points.push_back(lower + "/" + std::to_string(i));
    if (auto r = makeOwnedDir(points.back(), 0755, 0, 0); !r) return r;
    lowerOption += (i ? ":lower/" : "lower/") + std::to_string(i);
  }
  auto userFd = openNamespace(procRoot, pid, "user");
  if (!userFd) return tl::unexpected(userFd.error());
  auto mountFd = openNamespace(procRoot, pid, "mnt");
  if (!mountFd) return tl::unexpected(mountFd.error());
  std::vector<UniqueFd> trees;
  for (const auto& layer : lowers) {
    auto tree = idmappedClone(layer, userFd->get());
    if (!tree) return tl::unexpected(tree.error());
    trees.push_back(std::move(*tree));
  }

  std::string options = "lowerdir=" + lowerOption + ",upperdir=" + upper + ",workdir=" + work;
  std::string mountNsPath = procRoot + "/" + std::to_string(pid) + "/ns/mnt";
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return systemError("create a pipe to mount the root of", layerDir);
  // The mounts are made in PID 1's mount namespace, from a helper that joins it: the shim's
  // own namespace (the host's) never sees them, and they go when the container does.
  pid_t helper = ::fork();
  if (helper < 0) {
    int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    return systemError("fork to mount the root of", layerDir, err);
  }
  if (helper == 0) {
    ::close(report[0]);
    if (::setns(mountFd->get(), CLONE_NEWNS) != 0)
      failStep(report[1], "join the container's mount namespace", mountNsPath.c_str());
    for (size_t i = 0; i < trees.size(); ++i) {
      if (::move_mount(trees[i].get(), "", AT_FDCWD, points[i].c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
        failStep(report[1], "attach the idmapped layer on", points[i].c_str());
    }
    if (::chdir(layerDir.c_str()) != 0) failStep(report[1], "enter", layerDir.c_str());
    if (::mount("overlay", merged.c_str(), "overlay", 0, options.c_str()) != 0)
      failStep(report[1], "mount overlay on", merged.c_str());
    // The overlay holds its own reference to each layer: the mount points can go.
    for (const auto& point : points) {
      if (::umount2(point.c_str(), MNT_DETACH) != 0) failStep(report[1], "detach the staging mount", point.c_str());
    }
    ::_exit(0);
  }
  ::close(report[1]);
  StepFailure failure{};
  ssize_t n;
  do {
    n = ::read(report[0], &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  int status = 0;
  while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }
  if (n == static_cast<ssize_t>(sizeof failure)) {
    failure.action[sizeof failure.action - 1] = '\0';
    failure.path[sizeof failure.path - 1] = '\0';
    return systemError(failure.action, failure.path, failure.errnum);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return logicError("mount the root (helper failed) of", layerDir);
  return {};
}

}  // namespace agent::userns
