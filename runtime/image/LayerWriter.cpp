#include "LayerWriter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "LayerErrors.h"
#include "LayerPath.h"
#include "LayerWhiteout.h"

namespace agent::image {

namespace {

constexpr char kOpaqueXattr[] = "trusted.overlay.opaque";

bool isBelowOrAt(const std::string& path, const std::string& top) {
  return path == top || (path.size() > top.size() && path.starts_with(top) && path[top.size()] == '/');
}

template <typename Container, typename Key>
void eraseBelow(Container& container, const std::string& top, Key key) {
  for (auto it = container.begin(); it != container.end();) {
    it = isBelowOrAt(key(*it), top) ? container.erase(it) : std::next(it);
  }
}

}  // namespace

bool isLayerXattrKept(std::string_view name) {
  return name == "security.capability" || name.starts_with("user.");
}

Result<std::optional<UniqueFd>> LayerWriter::add(const LayerEntry& entry) {
  const std::string& path = entry.path;
  auto mark = whiteoutOf(path);
  if (!mark) return entryRefused(path, mark.error().action);
  if (mark->kind != WhiteoutKind::None) {
    if (mark->kind == WhiteoutKind::AufsMetadata) return std::nullopt;
    // Its directory is made now (a layer may hold only the whiteout), the device at finish().
    auto directory = tree_.directory(mark->directory, path, true);
    if (!directory) return tl::unexpected(directory.error());
    auto& list = mark->kind == WhiteoutKind::Opaque ? opaque_ : whiteouts_;
    list.push_back({mark->directory, mark->name, path});
    return std::nullopt;
  }
  if (path.empty()) {
    if (entry.type != LayerEntry::Type::Directory)
      return entryRefused(path, "names the layer's root but is not a directory");
    root_ = entry;
    return std::nullopt;
  }
  if (entry.type == LayerEntry::Type::Directory) {
    if (auto added = addDirectory(entry); !added) return tl::unexpected(added.error());
    return std::nullopt;
  }
  if (entry.type == LayerEntry::Type::HardLink) {
    if (auto added = addHardLink(entry); !added) return tl::unexpected(added.error());
    return std::nullopt;
  }
  auto place = clearPlaceFor(path, false);
  if (!place) return tl::unexpected(place.error());
  linkable_.insert(path);
  if (entry.type == LayerEntry::Type::File) {
    UniqueFd file(
        ::openat(place->parent.get(), place->leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!file.valid()) return entryFailed(path, "cannot be created");
    return std::optional<UniqueFd>(std::move(file));
  }
  if (auto added = addNode(entry, place->parent.get(), place->leaf); !added) return tl::unexpected(added.error());
  return std::nullopt;
}

Result<LayerWriter::Place> LayerWriter::clearPlaceFor(const std::string& path, bool keepDirectory) {
  auto [parentPath, leafView] = splitParent(path);
  std::string leaf(leafView);
  auto parent = tree_.directory(parentPath, path, true);
  if (!parent) return tl::unexpected(parent.error());
  auto cleared = tree_.clear(parent->get(), leaf, path, keepDirectory);
  if (!cleared) return tl::unexpected(cleared.error());
  if (*cleared == LayerTree::Cleared::RemovedDirectory) forgetBelow(path);  // what was below it is gone
  return Place{std::move(*parent), std::move(leaf), *cleared};
}

Result<void> LayerWriter::addDirectory(const LayerEntry& entry) {
  const std::string& path = entry.path;
  auto place = clearPlaceFor(path, true);
  if (!place) return tl::unexpected(place.error());
  int parent = place->parent.get();
  const std::string& leaf = place->leaf;
  if (place->cleared != LayerTree::Cleared::KeptDirectory) {
    linkable_.erase(path);
    if (::mkdirat(parent, leaf.c_str(), 0700) != 0) return entryFailed(path, "cannot be made");
  }
  if (::fchownat(parent, leaf.c_str(), entry.uid, entry.gid, AT_SYMLINK_NOFOLLOW) != 0)
    return entryFailed(path, "cannot be given its owner");
  if (::fchmodat(parent, leaf.c_str(), entry.mode & 07777, 0) != 0)
    return entryFailed(path, "cannot be given its mode");
  if (!entry.xattrs.empty()) {
    UniqueFd directory(::openat(parent, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!directory.valid()) return entryFailed(path, "cannot be opened for its xattrs");
    if (auto set = setXattrs(entry, directory.get()); !set) return set;
  }
  directoryTimes_[path] = {entry.atime, entry.mtime};
  return {};
}

Result<void> LayerWriter::addHardLink(const LayerEntry& entry) {
  const std::string& path = entry.path;
  auto target = layerPathOf(entry.linkName);
  if (!target)
    return entryRefused(path, "is a hard link to '" + shownName(entry.linkName) + "', which " + target.error().action);
  if (*target == path) return entryRefused(path, "is a hard link to itself");
  if (!linkable_.contains(*target)) {
    return entryRefused(path, "is a hard link to '" + shownName(*target) +
                                  "', which is not a file earlier in this layer (a hard link joins files of its own "
                                  "layer only)");
  }
  auto [targetParentPath, targetLeaf] = splitParent(*target);
  auto targetParent = tree_.directory(targetParentPath, path, false);
  if (!targetParent) return tl::unexpected(targetParent.error());
  auto place = clearPlaceFor(path, false);
  if (!place) return tl::unexpected(place.error());
  // Flags 0: a hard link to a symlink joins the symlink itself, as tar made it.
  if (::linkat(targetParent->get(), std::string(targetLeaf).c_str(), place->parent.get(), place->leaf.c_str(), 0) != 0)
    return entryFailed(path, "cannot be linked to '" + shownName(*target) + "'");
  linkable_.insert(path);
  return {};
}

Result<void> LayerWriter::addNode(const LayerEntry& entry, int parent, const std::string& leaf) {
  const std::string& path = entry.path;
  const char* name = leaf.c_str();
  if (entry.type == LayerEntry::Type::Symlink) {
    if (::symlinkat(entry.linkName.c_str(), parent, name) != 0) return entryFailed(path, "cannot be made");
  } else {
    mode_t kind = entry.type == LayerEntry::Type::CharDevice    ? S_IFCHR
                  : entry.type == LayerEntry::Type::BlockDevice ? S_IFBLK
                                                                : S_IFIFO;
    dev_t device = kind == S_IFIFO ? 0 : entry.device;
    if (::mknodat(parent, name, kind | 0600, device) != 0) return entryFailed(path, "cannot be made");
  }
  if (::fchownat(parent, name, entry.uid, entry.gid, AT_SYMLINK_NOFOLLOW) != 0)
    return entryFailed(path, "cannot be given its owner");
  if (entry.type != LayerEntry::Type::Symlink && ::fchmodat(parent, name, entry.mode & 07777, 0) != 0)
    return entryFailed(path, "cannot be given its mode");
  timespec times[2] = {entry.atime, entry.mtime};
  if (::utimensat(parent, name, times, AT_SYMLINK_NOFOLLOW) != 0) return entryFailed(path, "cannot be given its times");
  return {};
}

Result<void> LayerWriter::completeFile(const LayerEntry& entry, int fd, uint64_t written, bool sparse) {
  const std::string& path = entry.path;
  if (sparse && written < entry.size) {
    if (::ftruncate(fd, static_cast<off_t>(entry.size)) != 0) return entryFailed(path, "cannot be given its size");
  } else if (written != entry.size) {
    return entryRefused(
        path, "holds " + std::to_string(written) + " bytes where its header says " + std::to_string(entry.size));
  }
  // Owner first: chown clears setuid and setgid bits and security.capability.
  if (::fchown(fd, entry.uid, entry.gid) != 0) return entryFailed(path, "cannot be given its owner");
  if (::fchmod(fd, entry.mode & 07777) != 0) return entryFailed(path, "cannot be given its mode");
  if (auto set = setXattrs(entry, fd); !set) return set;
  timespec times[2] = {entry.atime, entry.mtime};
  if (::futimens(fd, times) != 0) return entryFailed(path, "cannot be given its times");
  fileBytes_ += entry.size;
  return {};
}

Result<void> LayerWriter::setXattrs(const LayerEntry& entry, int fd) {
  for (const auto& [name, value] : entry.xattrs) {
    if (!isLayerXattrKept(name)) continue;
    if (::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) == 0) continue;
    // A data directory on a filesystem without user xattrs (tmpfs before Linux 6.6): skipped,
    // as Docker skips them; file capabilities are supported wherever security.* is.
    if (errno == EOPNOTSUPP && name.starts_with("user.")) continue;
    return entryFailed(entry.path, "cannot have its xattr '" + shownName(name) + "' set");
  }
  return {};
}

void LayerWriter::forgetBelow(const std::string& path) {
  eraseBelow(linkable_, path, [](const std::string& p) -> const std::string& { return p; });
  eraseBelow(directoryTimes_, path, [](const auto& item) -> const std::string& { return item.first; });
  eraseBelow(whiteouts_, path, [](const Whiteout& w) -> const std::string& { return w.directory; });
  eraseBelow(opaque_, path, [](const Whiteout& w) -> const std::string& { return w.directory; });
}

Result<void> LayerWriter::finish() {
  if (auto applied = applyWhiteouts(); !applied) return applied;
  if (auto applied = applyDirectoryTimes(); !applied) return applied;
  int root = tree_.rootFd();
  if (!root_) {
    if (::fchmod(root, 0755) != 0) return entryFailed(".", "cannot be given its mode");
    return {};
  }
  if (::fchown(root, root_->uid, root_->gid) != 0) return entryFailed(".", "cannot be given its owner");
  if (::fchmod(root, root_->mode & 07777) != 0) return entryFailed(".", "cannot be given its mode");
  if (auto set = setXattrs(*root_, root); !set) return set;
  timespec times[2] = {root_->atime, root_->mtime};
  if (::futimens(root, times) != 0) return entryFailed(".", "cannot be given its times");
  return {};
}

Result<void> LayerWriter::applyWhiteouts() {
  for (const auto& whiteout : whiteouts_) {
    auto directory = tree_.directory(whiteout.directory, whiteout.entry, false);
    if (!directory) return tl::unexpected(directory.error());
    struct stat st;
    // The layer's own entry of that name wins: a whiteout hides lower layers only.
    if (::fstatat(directory->get(), whiteout.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) continue;
    if (errno != ENOENT) return entryFailed(whiteout.entry, "cannot be checked against the layer's own entries");
    if (::mknodat(directory->get(), whiteout.name.c_str(), S_IFCHR, makedev(0, 0)) != 0)
      return entryFailed(whiteout.entry, "cannot be made the 0/0 character device overlayfs reads as a whiteout");
  }
  for (const auto& opaque : opaque_) {
    auto directory = tree_.directory(opaque.directory, opaque.entry, false, O_RDONLY);
    if (!directory) return tl::unexpected(directory.error());
    if (::fsetxattr(directory->get(), kOpaqueXattr, "y", 1, 0) != 0)
      return entryFailed(opaque.entry, std::string("cannot set ") + kOpaqueXattr + " on its directory");
  }
  return {};
}

Result<void> LayerWriter::applyDirectoryTimes() {
  for (const auto& [path, times] : directoryTimes_) {
    auto [parentPath, leaf] = splitParent(path);
    auto parent = tree_.directory(parentPath, path, false);
    if (!parent) return tl::unexpected(parent.error());
    timespec both[2] = {times.first, times.second};
    if (::utimensat(parent->get(), std::string(leaf).c_str(), both, AT_SYMLINK_NOFOLLOW) != 0)
      return entryFailed(path, "cannot be given its times");
  }
  return {};
}

}  // namespace agent::image
