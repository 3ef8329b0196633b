#include "CgroupInventory.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "FileAt.h"

namespace agent::cgroup {

namespace {

constexpr uint32_t kWatchMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | IN_ONLYDIR;

std::string childOf(const std::string& parent, std::string_view name) {
  std::string child = parent == "/" ? std::string("/") : parent + "/";
  child += name;
  return child;
}

}  // namespace

std::vector<std::string> mountPointsFor(const Hierarchy& hierarchy, ControllerSet controllers) {
  std::vector<std::string> mountPoints;
  auto add = [&](const std::string& mountPoint) {
    if (std::find(mountPoints.begin(), mountPoints.end(), mountPoint) == mountPoints.end())
      mountPoints.push_back(mountPoint);
  };
  if (controllers.empty()) {
    for (const auto& mount : hierarchy.v1Mounts()) add(mount.mountPoint);
    if (const CgroupMount* unified = hierarchy.unifiedMount()) add(unified->mountPoint);
  } else {
    controllers.forEach([&](Controller c) {
      if (const CgroupMount* mount = hierarchy.mountFor(c)) add(mount->mountPoint);
    });
  }
  return mountPoints;
}

CgroupInventory::CgroupInventory(const Hierarchy& hierarchy, ControllerSet controllers, size_t maxDepth)
    : maxDepth_(maxDepth) {
  for (auto& mountPoint : mountPointsFor(hierarchy, controllers)) trees_.push_back(Tree{std::move(mountPoint), {}});
}

size_t CgroupInventory::depthOf(const std::string& path) const {
  return path == "/" ? 0 : static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
}

size_t CgroupInventory::cutAtDepth() const {
  size_t cut = 0;
  for (const auto& tree : trees_) {
    size_t here = 0;
    for (const auto& [path, node] : tree.nodes) here += node.cut;
    cut = std::max(cut, here);  // the same deep groups show up in several hierarchies
  }
  return cut;
}

void CgroupInventory::addSubtree(size_t tree, const Dir& dir, const std::string& path) {
  Node node;
  if (watching_) {
    node.wd = ::inotify_add_watch(inotify_.get(), dir.path().c_str(), kWatchMask);
    if (node.wd < 0 && (errno == ENOSPC || errno == ENOMEM)) {
      // Out of watches: stop watching altogether (a partial watch would miss groups).
      watching_ = false;
      watchLimitHit_ = true;
    } else if (node.wd < 0) {
      return;  // gone meanwhile
    } else {
      watched_[node.wd] = Watched{tree, path};
    }
  }
  // Watch first, then list: a child made in between shows up in both, never in neither.
  auto children = listSubdirs(dir);
  if (!children) {
    if (node.wd >= 0) {
      ::inotify_rm_watch(inotify_.get(), node.wd);
      watched_.erase(node.wd);
    }
    return;
  }
  size_t depth = depthOf(path);
  auto& nodes = trees_[tree].nodes;
  auto [it, inserted] = nodes.insert_or_assign(path, node);
  dirty_ = true;
  for (const auto& name : *children) {
    if (depth + 1 > maxDepth_) {
      ++it->second.cut;
      continue;
    }
    auto child = dir.openChild(name);
    if (child) addSubtree(tree, *child, childOf(path, name));
  }
}

void CgroupInventory::removeSubtree(size_t tree, const std::string& path) {
  auto& nodes = trees_[tree].nodes;
  std::string prefix = path + "/";
  auto it = nodes.find(path);
  if (it == nodes.end()) return;
  while (it != nodes.end() && (it->first == path || it->first.compare(0, prefix.size(), prefix) == 0)) {
    if (it->second.wd >= 0) {
      // A removed directory's watch is gone already (the kernel sends IN_IGNORED); a moved
      // one's is not, and its paths below are stale.
      ::inotify_rm_watch(inotify_.get(), it->second.wd);
      watched_.erase(it->second.wd);
    }
    it = nodes.erase(it);
  }
  dirty_ = true;
}

Result<void> CgroupInventory::walkAll() {
  ++walks_;
  watched_.clear();
  inotify_.reset();
  if (watching_) {
    inotify_ = UniqueFd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!inotify_.valid()) watching_ = false;
  }
  size_t walked = 0;
  for (size_t t = 0; t < trees_.size(); ++t) {
    trees_[t].nodes.clear();
    auto root = Dir::open(trees_[t].mountPoint);
    if (!root) continue;
    ++walked;
    addSubtree(t, *root, "/");
  }
  if (!watching_ && inotify_.valid()) {  // the watch limit was hit during this walk
    inotify_.reset();
    watched_.clear();
    for (auto& tree : trees_)
      for (auto& [path, node] : tree.nodes) node.wd = -1;
  }
  dirty_ = true;
  walked_ = true;
  writtenAll_ = true;
  unpostedAll_ = true;
  if (walked == 0) {
    std::string where = trees_.empty() ? std::string("/sys/fs/cgroup") : trees_.front().mountPoint;
    return logicError("list cgroups (no hierarchy could be opened)", where, ENOENT);
  }
  return {};
}

void CgroupInventory::handleEvent(int wd, uint32_t mask, std::string_view name) {
  if (mask & IN_IGNORED) {
    watched_.erase(wd);
    return;
  }
  auto found = watched_.find(wd);
  if (found == watched_.end()) return;  // a watch dropped since (its subtree went)
  if (!(mask & IN_ISDIR)) {
    if (mask & IN_MODIFY) {
      written_.push_back(found->second.path);
      if (feed_) unposted_.push_back(found->second.path);
    }
    return;
  }
  size_t tree = found->second.tree;
  std::string parent = found->second.path;
  auto& nodes = trees_[tree].nodes;
  auto parentNode = nodes.find(parent);
  if (parentNode == nodes.end()) return;
  std::string child = childOf(parent, name);
  bool cut = depthOf(child) > maxDepth_;
  if (mask & (IN_CREATE | IN_MOVED_TO)) {
    if (cut) {
      ++parentNode->second.cut;
    } else if (auto dir = Dir::open(trees_[tree].mountPoint + child)) {
      addSubtree(tree, *dir, child);
      // Reported as written too: a group removed and made again under the same name between
      // two refreshes is a new group that a reader's old handle knows nothing of.
      written_.push_back(child);
      if (feed_) unposted_.push_back(child);
    }
  } else if (mask & (IN_DELETE | IN_MOVED_FROM)) {
    if (cut) {
      if (parentNode->second.cut > 0) --parentNode->second.cut;
    } else {
      removeSubtree(tree, child);
    }
  }
}

Result<void> CgroupInventory::refresh() {
  if (!walked_ || !watching_) {
    if (auto r = walkAll(); !r) return r;
  } else {
    // On the heap: a collection may run on a thread with a small stack (a scrape's refresh).
    if (events_.empty()) events_.resize(64 * 1024);
    char* buffer = events_.data();
    while (true) {
      ssize_t n = ::read(inotify_.get(), buffer, events_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // EAGAIN: nothing more pending
      bool overflowed = false;
      for (char* p = buffer; p < buffer + n;) {
        auto* event = reinterpret_cast<inotify_event*>(p);
        p += sizeof(inotify_event) + event->len;
        if (event->mask & IN_Q_OVERFLOW) {
          overflowed = true;
          break;
        }
        handleEvent(event->wd, event->mask, event->len ? std::string_view(event->name) : std::string_view());
      }
      if (overflowed || !watching_) {  // events were lost, or a watch could not be added
        if (auto r = walkAll(); !r) return r;
        break;
      }
    }
  }
  if (dirty_) rebuildPaths();
  if (feed_) {
    feed_->post(unposted_, unpostedAll_, watching_, maxDepth_);
    unposted_.clear();
    unpostedAll_ = false;
  }
  return {};
}

CgroupInventory::Written CgroupInventory::takeWritten() {
  Written out;
  out.all = writtenAll_ || !watching_;
  writtenAll_ = false;
  std::sort(written_.begin(), written_.end());
  written_.erase(std::unique(written_.begin(), written_.end()), written_.end());
  out.paths.swap(written_);
  return out;
}

void CgroupInventory::rebuildPaths() {
  paths_.clear();
  for (const auto& tree : trees_)
    for (const auto& [path, node] : tree.nodes) paths_.push_back(path);
  if (paths_.empty()) paths_.push_back("/");
  std::sort(paths_.begin(), paths_.end());
  paths_.erase(std::unique(paths_.begin(), paths_.end()), paths_.end());
  dirty_ = false;
}

}  // namespace agent::cgroup
