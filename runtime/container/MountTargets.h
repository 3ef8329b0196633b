#pragma once
// Mount targets and bind sources inside a container's root, resolved the way the container
// will see them (the CVE-2021-30465 class: runc checked a target inside the root, then called
// mount(2) with the path, and a symlink put there meanwhile sent the mount to the host).
// Each target is opened once with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from a
// descriptor on the root: `..` and absolute symlinks in the image stay inside it, whatever
// they say. The mount then goes through that descriptor (/proc/self/fd/N), never the path.
#include <sys/types.h>

#include <string>

#include "Error.h"
#include "UniqueFd.h"

namespace agent::container {

// An O_PATH descriptor on `path` (absolute, as the container sees it) resolved inside the
// root `rootFd`; missing paths are ENOENT (see makeDirInRoot).
Result<UniqueFd> openInRoot(int rootFd, const std::string& path);
// As openInRoot, but a missing last component is made as a directory first (the parent is
// resolved inside the root, the new name is never followed) and the result must be one.
Result<UniqueFd> openOrMakeDirInRoot(int rootFd, const std::string& path, mode_t mode);
// The directories above `path` made where missing (as `mkdir -p` of its parent), each one
// resolved inside the root before the next is made in it.
Result<void> makeParentsInRoot(int rootFd, const std::string& path, mode_t mode);
// As openOrMakeDirInRoot for a file: a missing last component is made as an empty file, and
// the result must not be a directory (a file is bind-mounted on it).
Result<UniqueFd> openOrMakeFileInRoot(int rootFd, const std::string& path, mode_t mode);

// mount(2) onto the object `targetFd` names; `shown` is the path for the error message.
Result<void> mountOnto(const char* source, int targetFd, const char* type, unsigned long flags, const std::string& data,
                       const std::string& shown);
// A bind mount of what `sourceFd` names onto what `targetFd` names.
Result<void> bindOnto(int sourceFd, int targetFd, const std::string& shown);

}  // namespace agent::container
