#include "CgroupWriteFeed.h"

#include <algorithm>

namespace agent::cgroup {

CgroupWriteFeed::Reader CgroupWriteFeed::join() {
  std::lock_guard lock(mutex_);
  pending_.push_back(Written{});
  return pending_.size() - 1;
}

void CgroupWriteFeed::post(const std::vector<std::string>& paths, bool all, bool watching, size_t maxDepth) {
  std::lock_guard lock(mutex_);
  watching_ = watching;
  maxDepth_ = maxDepth;
  all = all || !watching;
  for (auto& reader : pending_) {
    reader.all = reader.all || all;
    if (!reader.all) reader.paths.insert(paths.begin(), paths.end());
  }
}

CgroupWriteFeed::Written CgroupWriteFeed::take(Reader reader) {
  std::lock_guard lock(mutex_);
  Written out;
  std::swap(out, pending_.at(reader));
  pending_[reader].all = false;
  return out;
}

bool CgroupWriteFeed::covers(const std::string& path) const {
  std::lock_guard lock(mutex_);
  if (!watching_) return false;
  size_t depth = path == "/" ? 0 : static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
  return depth <= maxDepth_;
}

}  // namespace agent::cgroup
