#include "LayerTree.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include "LayerErrors.h"
#include "OpenAt2.h"

namespace agent::image {

namespace {

constexpr uint64_t kResolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

}  // namespace

Result<UniqueFd> LayerTree::directory(std::string_view path, std::string_view entry, bool make, int flags) const {
  std::string wanted = path.empty() ? std::string(".") : std::string(path);
  UniqueFd fd(openat2Retrying(rootFd_, wanted.c_str(), static_cast<uint64_t>(flags) | O_DIRECTORY, kResolve));
  if (fd.valid()) return fd;
  if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR) return entryFailed(entry, "cannot be reached");
  // Walk one component at a time: to make what is missing, or to say which one is wrong.
  UniqueFd current(::fcntl(rootFd_, F_DUPFD_CLOEXEC, 0));
  size_t at = 0;
  while (at < path.size()) {
    size_t slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    std::string part(path.substr(at, slash - at));
    std::string_view prefix = path.substr(0, slash);
    bool last = slash == path.size();
    uint64_t stepFlags = (last ? static_cast<uint64_t>(flags) : O_PATH) | O_DIRECTORY;
    UniqueFd next(openat2Retrying(current.get(), part.c_str(), stepFlags, kResolve));
    if (!next.valid() && errno == ENOENT && make) {
      if (::mkdirat(current.get(), part.c_str(), 0755) != 0 && errno != EEXIST) {
        return entryFailed(entry, "cannot have its directory '" + shownName(prefix) + "' made");
      }
      next.reset(openat2Retrying(current.get(), part.c_str(), stepFlags, kResolve));
    }
    if (!next.valid()) {
      if (errno == ELOOP) {
        return entryRefused(entry, "passes through the symbolic link '" + shownName(prefix) +
                                       "' (a layer writes nothing through a link)");
      }
      if (errno == ENOTDIR) {
        return entryRefused(entry, "passes through '" + shownName(prefix) + "', which is not a directory");
      }
      return entryFailed(entry, "cannot reach '" + shownName(prefix) + "'");
    }
    current = std::move(next);
    at = slash + 1;
  }
  return current;
}

Result<LayerTree::Cleared> LayerTree::clear(int parent, std::string_view leaf, std::string_view entry,
                                            bool keepDirectory) const {
  std::string name(leaf);
  struct stat st;
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Cleared::Free;
    return entryFailed(entry, "cannot be checked for an earlier entry of the same name");
  }
  if (S_ISDIR(st.st_mode)) {
    if (keepDirectory) return Cleared::KeptDirectory;
    if (!removeTreeAt(parent, name.c_str())) return entryFailed(entry, "cannot replace the directory there");
    return Cleared::RemovedDirectory;
  }
  if (::unlinkat(parent, name.c_str(), 0) != 0) return entryFailed(entry, "cannot replace the earlier entry there");
  return Cleared::RemovedEntry;
}

bool removeTreeAt(int parent, const char* name) {
  if (::unlinkat(parent, name, 0) == 0) return true;
  if (errno != EISDIR) return errno == ENOENT;
  int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return false;
  }
  bool ok = true;
  while (dirent* child = ::readdir(dir)) {
    std::string_view childName = child->d_name;
    if (childName == "." || childName == "..") continue;
    ok = removeTreeAt(fd, child->d_name) && ok;
  }
  ::closedir(dir);
  return ::unlinkat(parent, name, AT_REMOVEDIR) == 0 && ok;
}

}  // namespace agent::image
