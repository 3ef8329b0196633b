#pragma once
// The directory a layer is unpacked into, reached only through a descriptor on it: every
// path is resolved from that descriptor by openat2 with RESOLVE_IN_ROOT (no `..` or absolute
// link can leave it), RESOLVE_NO_SYMLINKS (nothing is written through a link: an earlier
// entry could point one anywhere, and inside a container the link would mean something
// else) and RESOLVE_NO_MAGICLINKS. The last component is never followed (the *at calls
// that create and remove take it as a name in an opened directory).
#include <fcntl.h>

#include <string>
#include <string_view>

#include "Error.h"
#include "UniqueFd.h"

namespace agent::image {

class LayerTree {
 public:
  explicit LayerTree(int rootFd) : rootFd_(rootFd) {}

  int rootFd() const { return rootFd_; }

  // The directory `path` (as layerPathOf gives it; "" is the root) opened with `flags`
  // (O_PATH, or O_RDONLY to set an xattr). With `make`, missing directories on the way are
  // made (mode 0755, root's: a tar need not list an entry's parents). Refused, naming
  // `entry`, when the way passes through a symlink or something that is not a directory.
  Result<UniqueFd> directory(std::string_view path, std::string_view entry, bool make, int flags = O_PATH) const;

  enum class Cleared { Free, KeptDirectory, RemovedEntry, RemovedDirectory };
  // Clears the name `leaf` in `parent` for a new entry (OCI layer.md, "Changeset over
  // existing files"): an existing directory is kept when `keepDirectory` (its attributes are
  // then replaced), anything else removed, a directory with all below it.
  Result<Cleared> clear(int parent, std::string_view leaf, std::string_view entry, bool keepDirectory) const;

 private:
  int rootFd_;
};

// Removes `name` in `parent` and, for a directory, everything below it (never following a link).
bool removeTreeAt(int parent, const char* name);

}  // namespace agent::image
