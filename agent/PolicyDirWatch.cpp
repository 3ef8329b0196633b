#include "PolicyDirWatch.h"

#include <sys/inotify.h>
#include <unistd.h>

namespace agent {

Result<PolicyDirWatch> PolicyDirWatch::open(const std::string& dir) {
  UniqueFd inotify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify.valid()) return systemError("create an inotify instance to watch", dir);
  // IN_MOVED_TO is kubelet's `..data` swap and an editor's save by rename; IN_CLOSE_WRITE a
  // write in place; IN_CREATE a new symlink (a ConfigMap key added); IN_DELETE one removed.
  if (::inotify_add_watch(inotify.get(), dir.c_str(),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE) < 0)
    return systemError("watch the policy directory", dir);
  return PolicyDirWatch(std::move(inotify));
}

void PolicyDirWatch::drain() const {
  char events[4096];
  while (::read(inotify_.get(), events, sizeof events) > 0) {
  }
}

}  // namespace agent
