#include "ExitWatch.h"

#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace agent::container {

Result<UniqueFd> openShimPidfd(const PidRecord& record, const proc::ProcFs& procfs) {
  if (record.shimPid <= 0) return logicError("watch the shim (none recorded)", "", ESRCH);
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, record.shimPid, 0)));
  if (!pidfd.valid()) return systemError("open a pidfd on the shim", std::to_string(record.shimPid));
  // Checked after opening: from here on the pidfd pins this very process, so a start time
  // that matches now means the pidfd is the shim's, whatever happens to the pid later.
  auto stat = procfs.readStat(record.shimPid);
  if (!stat || stat->startTimeTicks != record.shimStartTimeTicks || stat->state == 'Z') {
    return logicError("watch the shim (it has ended)", std::to_string(record.shimPid), ESRCH);
  }
  return pidfd;
}

ExitWatcher::ExitWatcher() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {}

bool ExitWatcher::watch(const std::string& id, const PidRecord& record, const proc::ProcFs& procfs) {
  auto pidfd = openShimPidfd(record, procfs);
  if (!pidfd) return false;
  std::lock_guard lock(mutex_);
  for (const auto& [fd, entry] : byFd_) {
    if (entry.first == id) return true;  // already watched
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = pidfd->get();
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, pidfd->get(), &event) != 0) return false;
  int fd = pidfd->get();
  byFd_.emplace(fd, std::make_pair(id, std::move(*pidfd)));
  return true;
}

std::vector<std::string> ExitWatcher::takeExited() {
  std::vector<std::string> exited;
  epoll_event events[64];
  int n;
  while ((n = ::epoll_wait(epoll_.get(), events, 64, 0)) > 0) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < n; ++i) {
      auto found = byFd_.find(events[i].data.fd);
      if (found == byFd_.end()) continue;
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, found->first, nullptr);
      exited.push_back(found->second.first);
      byFd_.erase(found);  // closes the pidfd
    }
  }
  return exited;
}

size_t ExitWatcher::watched() const {
  std::lock_guard lock(mutex_);
  return byFd_.size();
}

}  // namespace agent::container
