#pragma once
// Which cgroups had control files written, told to each reader apart: the one inotify of
// the host's cgroups (CgroupInventory's, which watches every directory for mkdir/rmdir and
// writes alike) posts what it saw at each refresh; the reconciler takes it to know which
// limited groups someone wrote behind its back, without a watch of its own. Thread-safe: the
// collector's thread posts, the reconciler's passes take.
#include <cstddef>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace agent::cgroup {

class CgroupWriteFeed {
 public:
  struct Written {
    std::set<std::string> paths;  // groups written (or made again) since the reader's last take
    bool all = true;              // anything may have been missed: treat every group as written
  };
  using Reader = size_t;

  // A new reader; its first take says `all`.
  Reader join();
  // From the watcher: `paths` were written; `all` when it walked (or does not watch).
  // `watching` false, or a group deeper than `maxDepth`: its writes are never posted.
  void post(const std::vector<std::string>& paths, bool all, bool watching, size_t maxDepth);
  Written take(Reader reader);
  // Whether a write to `path` would be posted: the watcher watches, and that deep.
  bool covers(const std::string& path) const;

 private:
  mutable std::mutex mutex_;
  std::vector<Written> pending_;  // by reader
  bool watching_ = false;         // as of the last post; nothing is covered before the first
  size_t maxDepth_ = 0;
};

}  // namespace agent::cgroup
