#include "MountTargets.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <optional>

#include "MessageText.h"

namespace agent::container {

namespace {

// Never follows a magic link (/proc/self/fd/N, /proc/1/root: they name host objects) and
// treats the root as "/" for `..` and absolute symlinks.
constexpr uint64_t kInRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

int openat2InRoot(int rootFd, const char* path, uint64_t flags) {
  open_how how{};
  how.flags = flags | O_PATH | O_CLOEXEC;
  how.resolve = kInRoot;
  int fd;
  // EAGAIN: a rename somewhere on the system raced the lookup; the kernel asks to retry.
  for (int attempt = 0; attempt < 32; ++attempt) {
    fd = static_cast<int>(::syscall(SYS_openat2, rootFd, path, &how, sizeof how));
    if (fd >= 0 || errno != EAGAIN) break;
  }
  return fd;
}

std::string fdPath(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

// The part after the last '/', and what comes before it ("/" for a top-level name).
std::pair<std::string, std::string> splitLast(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return {"/", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// When `path`'s last component is a symlink in the image whose target is missing: a message
// that says so. (runc would make the target; we do not make places the image only names.)
std::optional<tl::unexpected<Error>> danglingLink(int rootFd, const std::string& path) {
  auto [parentPath, name] = splitLast(path);
  UniqueFd parent(openat2InRoot(rootFd, parentPath.c_str(), O_DIRECTORY));
  if (!parent.valid()) return std::nullopt;
  char target[4096];
  ssize_t n = ::readlinkat(parent.get(), name.c_str(), target, sizeof target - 1);
  if (n < 0) return std::nullopt;
  UniqueFd resolved(openat2InRoot(rootFd, path.c_str(), 0));
  if (resolved.valid() || errno != ENOENT) return std::nullopt;
  return userError(
      "the container path " + quotedForMessage(path) + " is a symlink in the image to " +
          quotedForMessage(std::string(target, static_cast<size_t>(n))) +
          ", which is not in the image (a symlink in the image is followed only inside the container's root, "
          "never to the host); mount on the path it leads to, or on another path",
      ENOENT);
}

}  // namespace

Result<UniqueFd> openInRoot(int rootFd, const std::string& path) {
  UniqueFd fd(openat2InRoot(rootFd, path.c_str(), 0));
  if (!fd.valid()) {
    return systemError("resolve inside the container's root (symlinks in the image are followed only inside it)", path);
  }
  return fd;
}

Result<UniqueFd> openOrMakeDirInRoot(int rootFd, const std::string& path, mode_t mode) {
  UniqueFd fd(openat2InRoot(rootFd, path.c_str(), O_DIRECTORY));
  if (!fd.valid() && errno == ENOENT) {
    auto [parentPath, name] = splitLast(path);
    auto parent = openInRoot(rootFd, parentPath);
    if (!parent) return tl::unexpected(parent.error());
    // mkdirat never follows a symlink in the last component: a dangling one in the image
    // (pointing at a missing place) stays as it is and the open below refuses it.
    if (::mkdirat(parent->get(), name.c_str(), mode) != 0 && errno != EEXIST) {
      return systemError("create mount point inside the container's root", path);
    }
    fd.reset(openat2InRoot(rootFd, path.c_str(), O_DIRECTORY));
  }
  if (!fd.valid()) {
    if (auto dangling = danglingLink(rootFd, path)) return *dangling;
    return systemError(
        "resolve mount point inside the container's root (it must be a directory there; a symlink in the image "
        "is followed only inside the root, never to the host)",
        path);
  }
  return fd;
}

Result<void> makeParentsInRoot(int rootFd, const std::string& path, mode_t mode) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    if (auto made = openOrMakeDirInRoot(rootFd, path.substr(0, slash), mode); !made)
      return tl::unexpected(made.error());
  }
  return {};
}

Result<UniqueFd> openOrMakeFileInRoot(int rootFd, const std::string& path, mode_t mode) {
  UniqueFd fd(openat2InRoot(rootFd, path.c_str(), 0));
  if (!fd.valid() && errno == ENOENT) {
    auto [parentPath, name] = splitLast(path);
    auto parent = openInRoot(rootFd, parentPath);
    if (!parent) return tl::unexpected(parent.error());
    // O_EXCL|O_NOFOLLOW: a dangling symlink in the image is not followed to make its target.
    UniqueFd made(::openat(parent->get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!made.valid() && errno != EEXIST) return systemError("create mount point inside the container's root", path);
    fd.reset(openat2InRoot(rootFd, path.c_str(), 0));
  }
  if (!fd.valid()) {
    if (auto dangling = danglingLink(rootFd, path)) return *dangling;
    return systemError(
        "resolve mount point inside the container's root (a symlink in the image is followed only inside the root, "
        "never to the host)",
        path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return systemError("inspect mount point", path);
  if (S_ISDIR(st.st_mode))
    return logicError("bind a file on a directory of the image (give a directory as the source, or another path)", path,
                      EISDIR);
  return fd;
}

Result<void> mountOnto(const char* source, int targetFd, const char* type, unsigned long flags, const std::string& data,
                       const std::string& shown) {
  std::string target = fdPath(targetFd);
  if (::mount(source, target.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) != 0) {
    return systemError(std::string("mount ") + (type ? type : source) + " on", shown);
  }
  return {};
}

Result<void> bindOnto(int sourceFd, int targetFd, const std::string& shown) {
  std::string source = fdPath(sourceFd), target = fdPath(targetFd);
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return systemError("bind mount onto", shown);
  }
  return {};
}

}  // namespace agent::container
