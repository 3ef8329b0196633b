#pragma once
// Every cgroup on the host, kept current without walking: one full walk (listCgroups'
// rules: the hierarchies of the given controllers, merged by path, down to maxDepth), then
// inotify on every directory it saw. Making or removing a cgroup is a mkdir/rmdir through
// the VFS, which notifies the parent directory's watch whichever mount (or cgroup namespace)
// it came through, so a refresh reads a few events instead of listing ~30 control files per
// directory. An overflowed event queue, or a host out of inotify watches, falls back to
// walking (the latter on every refresh the caller asks for).
// The same watches report writes to control files (IN_MODIFY: a limit set, a freezer
// toggled, a process moved in), so a reader learns which groups to read again although
// nothing in them ran.
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "CgroupWriteFeed.h"
#include "Error.h"
#include "FileAt.h"
#include "Hierarchy.h"
#include "UniqueFd.h"

namespace agent::cgroup {

class CgroupInventory {
 public:
  CgroupInventory(const Hierarchy& hierarchy, ControllerSet controllers, size_t maxDepth);

  // Brings paths() up to date. The first call walks; later ones read pending events (or
  // walk again, when watching is not possible here: see watching()).
  Result<void> refresh();
  // "/" first, then sorted, as listCgroups.
  const std::vector<std::string>& paths() const { return paths_; }
  // Groups one level below maxDepth that are left out (counted, not listed).
  size_t cutAtDepth() const;
  // Whether refresh() runs on events; false after the watch limit was hit
  // (/proc/sys/fs/inotify/max_user_watches) or inotify could not be set up.
  bool watching() const { return watching_; }
  // How many full walks ran (the first, overflows, fallbacks): for tests and the bench.
  size_t walks() const { return walks_; }
  bool watchLimitHit() const { return watchLimitHit_; }
  // The groups whose control files were written (or that were made) since the last call, and
  // whether anything may have been missed (a walk ran, or nothing is watched): then treat all
  // as written.
  struct Written {
    std::vector<std::string> paths;  // sorted, unique
    bool all = false;
  };
  Written takeWritten();
  // Also posts what each refresh saw written to `feed`, for readers on other threads (the
  // reconciler): one watch for everyone.
  void publishTo(std::shared_ptr<CgroupWriteFeed> feed) { feed_ = std::move(feed); }

 private:
  struct Node {
    int wd = -1;     // its inotify watch; -1 when not watching
    size_t cut = 0;  // children left out for being below maxDepth
  };
  struct Tree {  // one hierarchy (mount)
    std::string mountPoint;
    std::map<std::string, Node> nodes;  // by path; "/" is the mount point itself
  };
  struct Watched {
    size_t tree;
    std::string path;
  };
  Result<void> walkAll();
  void addSubtree(size_t tree, const Dir& dir, const std::string& path);
  void removeSubtree(size_t tree, const std::string& path);
  void handleEvent(int wd, uint32_t mask, std::string_view name);
  void rebuildPaths();
  size_t depthOf(const std::string& path) const;

  std::vector<Tree> trees_;
  size_t maxDepth_;
  UniqueFd inotify_;
  std::unordered_map<int, Watched> watched_;  // by watch descriptor
  std::vector<std::string> paths_;
  std::vector<char> events_;  // inotify's read buffer
  std::vector<std::string> written_;
  bool writtenAll_ = true;
  std::shared_ptr<CgroupWriteFeed> feed_;
  std::vector<std::string> unposted_;  // written since the last post to feed_
  bool unpostedAll_ = true;
  bool watching_ = true;
  bool watchLimitHit_ = false;
  bool dirty_ = true;
  bool walked_ = false;
  size_t walks_ = 0;
};

// The mount points whose trees hold `controllers` (every hierarchy when empty), each once.
std::vector<std::string> mountPointsFor(const Hierarchy& hierarchy, ControllerSet controllers);

}  // namespace agent::cgroup
