#include "VolumeMounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <numeric>
#include <optional>

#include "IdmappedVolumes.h"
#include "MessageText.h"
#include "MountTargets.h"
#include "UniqueFd.h"

namespace agent::container {

namespace {

size_t depthOf(const std::string& path) {
  return static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
}

// The source's mount tree (the mounts under it too, as Docker's rbind), detached: nothing in
// the container's tree changes until it is moved onto its target.
Result<UniqueFd> cloneSource(int sourceFd, const VolumeSpec& volume, const std::string& sourcePath) {
  UniqueFd tree(::open_tree(sourceFd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE));
  if (!tree.valid()) return systemError("clone the mounts of the volume source", sourcePath);
  if (volume.readOnly) {
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
      return systemError("make read-only the volume source", sourcePath);
  }
  return tree;
}

// Where `fd` is, as the container sees it ("/proc" for <root>/proc), from the kernel's own
// path of both descriptors; nothing when it is not below the root at all.
std::optional<std::string> pathInRoot(int rootFd, int fd) {
  auto linkOf = [](int of) -> std::optional<std::string> {
    char buffer[4096];
    std::string link = "/proc/self/fd/" + std::to_string(of);
    ssize_t n = ::readlink(link.c_str(), buffer, sizeof buffer);
    if (n <= 0 || static_cast<size_t>(n) >= sizeof buffer) return std::nullopt;
    return std::string(buffer, static_cast<size_t>(n));
  };
  auto root = linkOf(rootFd), at = linkOf(fd);
  if (!root || !at) return std::nullopt;
  if (*at == *root) return std::string("/");
  std::string prefix = *root == "/" ? "/" : *root + "/";
  if (at->compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  return "/" + at->substr(prefix.size());
}

// A symlink in the image (`hostroot -> /`, `pp -> /proc`) must not take a volume where its
// container path could not go: the rules of containerPathProblem hold where it resolved.
Result<void> checkResolvedTarget(int rootFd, int targetFd, const std::string& target) {
  auto resolved = pathInRoot(rootFd, targetFd);
  if (!resolved)
    return userError("the container path " + quotedForMessage(target) +
                     " does not resolve to a place inside the container's root; pick another place");
  std::string normal = *resolved;
  if (auto problem = containerPathProblem(normal)) {
    if (normal == target) return userError(*problem);
    return userError("the container path " + quotedForMessage(target) + " leads, through a symlink in the image, to " +
                     quotedForMessage(normal) + ": " + *problem);
  }
  return {};
}

Result<void> mountBind(int rootFd, const VolumeSpec& volume, const std::string& sourcePath) {
  UniqueFd source(::open(sourcePath.c_str(), O_PATH | O_CLOEXEC));
  if (!source.valid()) return systemError("open the volume source on the host", sourcePath);
  struct stat st {};
  if (::fstat(source.get(), &st) != 0) return systemError("inspect the volume source", sourcePath);
  auto tree = cloneSource(source.get(), volume, sourcePath);
  if (!tree) return tl::unexpected(tree.error());
  if (auto r = makeParentsInRoot(rootFd, volume.target, 0755); !r) return r;
  auto target = S_ISDIR(st.st_mode) ? openOrMakeDirInRoot(rootFd, volume.target, 0755)
                                    : openOrMakeFileInRoot(rootFd, volume.target, 0644);
  if (!target) return tl::unexpected(target.error());
  if (auto r = checkResolvedTarget(rootFd, target->get(), volume.target); !r) return r;
  if (::move_mount(tree->get(), "", target->get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    return systemError("mount the volume " + sourcePath + " on", volume.target);
  return {};
}

Result<void> mountTmpfs(int rootFd, const VolumeSpec& volume) {
  if (auto r = makeParentsInRoot(rootFd, volume.target, 0755); !r) return r;
  auto target = openOrMakeDirInRoot(rootFd, volume.target, 0755);
  if (!target) return tl::unexpected(target.error());
  if (auto r = checkResolvedTarget(rootFd, target->get(), volume.target); !r) return r;
  unsigned long flags = MS_NOSUID | MS_NODEV | (volume.exec ? 0 : MS_NOEXEC) | (volume.readOnly ? MS_RDONLY : 0);
  return mountOnto("tmpfs", target->get(), "tmpfs", flags, tmpfsMountData(volume), volume.target);
}

}  // namespace

Result<void> mountVolumes(const std::string& root, const std::vector<VolumeSpec>& volumes,
                          const std::string& stagedSources) {
  if (volumes.empty()) return {};
  UniqueFd rootFd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!rootFd.valid()) return systemError("open the container's root", root);
  std::vector<size_t> order(volumes.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return depthOf(volumes[a].target) < depthOf(volumes[b].target); });
  for (size_t i : order) {
    const VolumeSpec& volume = volumes[i];
    auto mounted = volume.kind == VolumeKind::Tmpfs
                       ? mountTmpfs(rootFd.get(), volume)
                       : mountBind(rootFd.get(), volume,
                                   stagedSources.empty() ? volume.source : userns::stagedSourcePath(stagedSources, i));
    if (!mounted) return mounted;
  }
  return {};
}

std::string volumeStagingDir(const std::string& layerDir) {
  return layerDir + "/volumes";
}

Result<void> stageVolumeSources(pid_t pid, const std::vector<VolumeSpec>& volumes, const std::string& layerDir) {
  std::vector<userns::StagedSource> sources;
  for (const VolumeSpec& volume : volumes)
    sources.push_back({volume.kind == VolumeKind::Bind ? volume.source : "", volume.idmap});
  return userns::stageVolumeSources(pid, sources, volumeStagingDir(layerDir));
}

Result<void> makeRootReadOnly(const std::string& root) {
  UniqueFd rootFd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!rootFd.valid()) return systemError("open the container's root", root);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  // Not AT_RECURSIVE: only the overlay itself, not what is mounted on it.
  if (::mount_setattr(rootFd.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
    return systemError("make read-only the container's root", root);
  return {};
}

}  // namespace agent::container
