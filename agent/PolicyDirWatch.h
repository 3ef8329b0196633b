#pragma once
// The policy directory's inotify watch, for agentd's event loop: readable once a file in it was
// written, created, removed or renamed. That includes the way kubelet updates a ConfigMap
// volume (its AtomicWriter): the new files go into a fresh `..<timestamp>` directory, a
// `..data_tmp` symlink to it is renamed over `..data` (IN_MOVED_FROM/IN_MOVED_TO here), the
// keys' symlinks (`web.yaml -> ..data/web.yaml`) are made or removed, and the old directory
// is deleted. The loader reads `*.yaml`/`*.yml` through those symlinks and skips `..` entries
// (policies::loadPolicyDir).
#include <string>

#include "Error.h"
#include "UniqueFd.h"

namespace agent {

class PolicyDirWatch {
 public:
  // ENOENT and the like when the directory cannot be watched (it does not exist yet).
  static Result<PolicyDirWatch> open(const std::string& dir);
  int fd() const { return inotify_.get(); }
  // Reads what is pending: the events only say "look again", never what changed.
  void drain() const;

 private:
  explicit PolicyDirWatch(UniqueFd inotify) : inotify_(std::move(inotify)) {}
  UniqueFd inotify_;
};

}  // namespace agent
