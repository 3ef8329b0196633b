#include "WorkingDirectory.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

#include "MountTargets.h"
#include "UniqueFd.h"

namespace agent::container {

bool workingDirectoryInsideRoot() {
  char path[PATH_MAX];
  return ::getcwd(path, sizeof path) != nullptr && path[0] == '/';
}

Result<void> makeWorkingDirectory(const std::string& root, const std::string& cwd) {
  if (cwd.empty() || cwd[0] != '/' || cwd == "/") return {};
  UniqueFd rootFd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!rootFd.valid()) return systemError("open the container's root to make the working directory", cwd);
  auto made = makeParentsInRoot(rootFd.get(), cwd, 0755);
  if (made) {
    auto dir = openOrMakeDirInRoot(rootFd.get(), cwd, 0755);
    if (!dir) made = tl::unexpected(dir.error());
  }
  if (!made) {
    Error error = made.error();
    return tl::unexpected(Error{error.errnum, cwd, "make the working directory: " + error.message(), true});
  }
  return {};
}

Result<void> enterWorkingDirectory(const std::string& cwd) {
  if (cwd.empty() || cwd[0] != '/') {
    return logicError("enter working directory (not an absolute path inside the container)", cwd);
  }
  // RESOLVE_IN_ROOT keeps `..` and absolute symlinks inside "/" (ours after pivot_root) even
  // if the root changed under us; RESOLVE_NO_MAGICLINKS refuses /proc/self/fd/N and
  // /proc/<pid>/cwd, which name whatever a descriptor points at, host directories included.
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int root = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return systemError("open the container's root to find the working directory", cwd);
  int dir = static_cast<int>(::syscall(SYS_openat2, root, cwd.c_str(), &how, sizeof how));
  int openErr = errno;
  ::close(root);
  if (dir < 0) {
    int err = openErr;
    return systemError(
        "enter working directory (it must be a directory inside the container, reached without "
        "magic links such as /proc/self/fd)",
        cwd, err);
  }
  bool entered = ::fchdir(dir) == 0;
  int err = errno;
  ::close(dir);
  if (!entered) return systemError("enter working directory", cwd, err);
  if (!workingDirectoryInsideRoot()) {
    return logicError("enter working directory (it is outside the container's root: a possible breakout, refused)",
                      cwd);
  }
  return {};
}

}  // namespace agent::container
