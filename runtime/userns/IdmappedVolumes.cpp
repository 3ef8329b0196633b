#include "IdmappedVolumes.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "MountNamespaceHelper.h"
#include "UniqueFd.h"

namespace agent::userns {

namespace {

struct Staged {
  std::string path;
  UniqueFd tree;
};

// `usernsFd` < 0: a plain clone.
Result<UniqueFd> clonedTree(const std::string& source, int usernsFd, bool& isDirectory) {
  UniqueFd fd(::open(source.c_str(), O_PATH | O_CLOEXEC));
  if (!fd.valid()) return systemError("open the volume source on the host", source);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return systemError("inspect the volume source", source);
  isDirectory = S_ISDIR(st.st_mode);
  UniqueFd tree(::open_tree(fd.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE));
  if (!tree.valid()) return systemError("clone the mounts of the volume source", source);
  if (usernsFd < 0) return tree;
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(usernsFd);
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0) {
    if (errno == EINVAL) {
      return systemError(
          "give the container's user namespace an idmapped mount (a volume given :idmap is idmapped; its "
          "filesystem, or one mounted under it, cannot be: nfs, 9p, overlayfs, proc, tmpfs before 6.3; give a "
          "directory on ext4, xfs or btrfs, or leave out :idmap) of the volume",
          source);
    }
    return systemError("make an idmapped mount of the volume", source);
  }
  return tree;
}

Result<void> makeMountPoint(const std::string& path, bool directory) {
  if (directory) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return systemError("create a staging directory", path);
    return {};
  }
  UniqueFd file(::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!file.valid()) return systemError("create a staging file", path);
  return {};
}

}  // namespace

std::string stagedSourcePath(const std::string& stagingDir, size_t index) {
  return stagingDir + "/" + std::to_string(index);
}

Result<void> stageVolumeSources(pid_t pid, const std::vector<StagedSource>& sources, const std::string& stagingDir,
                                const std::string& procRoot) {
  bool any = false;
  for (const auto& source : sources) any = any || !source.path.empty();
  if (!any) return {};
  auto userFd = openNamespaceOf(pid, procRoot, "user");
  if (!userFd) return tl::unexpected(userFd.error());
  // Searchable by all: PID 1 opens the staged mounts as the container's root, a host uid that
  // the host's root-owned directory does not otherwise let in. The names are only numbers, and
  // on the host they are empty mount points (the mounts are in PID 1's namespace alone).
  if (::mkdir(stagingDir.c_str(), 0711) != 0 && errno != EEXIST)
    return systemError("create the staging directory of volumes", stagingDir);
  if (::chmod(stagingDir.c_str(), 0711) != 0) return systemError("set the mode of", stagingDir);
  std::vector<Staged> staged;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (sources[i].path.empty()) continue;
    bool directory = false;
    auto tree = clonedTree(sources[i].path, sources[i].idmap ? userFd->get() : -1, directory);
    if (!tree) return tl::unexpected(tree.error());
    std::string path = stagedSourcePath(stagingDir, i);
    if (auto r = makeMountPoint(path, directory); !r) return r;
    staged.push_back({path, std::move(*tree)});
  }
  return runInMountNamespace(
      pid, procRoot,
      [&](StepFailed& failed) {
        for (const Staged& s : staged) {
          if (::move_mount(s.tree.get(), "", AT_FDCWD, s.path.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
            failed = {"attach the volume on", s.path};
            return false;
          }
        }
        return true;
      },
      "the volumes of " + stagingDir);
}

}  // namespace agent::userns
