#include "ExitWatch.h"

#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace agent::container {

Result<UniqueFd> openPidfd(pid_t pid, uint64_t startTimeTicks, const proc::ProcFs& procfs) {
  if (pid <= 0) return logicError("watch a process (none recorded)", "", ESRCH);
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) return systemError("open a pidfd on", std::to_string(pid));
  // Checked after opening: from here on the pidfd pins this very process, so a start time
  // that matches now means the pidfd is the one recorded, whatever happens to the pid later.
  auto stat = procfs.readStat(pid);
  if (!stat || stat->startTimeTicks != startTimeTicks || stat->state == 'Z') {
    return logicError("watch a process (it has ended)", std::to_string(pid), ESRCH);
  }
  return pidfd;
}

Result<UniqueFd> openShimPidfd(const PidRecord& record, const proc::ProcFs& procfs) {
  return openPidfd(record.shimPid, record.shimStartTimeTicks, procfs);
}

Result<UniqueFd> openPid1Pidfd(const PidRecord& record, const proc::ProcFs& procfs) {
  return openPidfd(record.pid, record.startTimeTicks, procfs);
}

ExitWatcher::ExitWatcher() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {}

bool ExitWatcher::watch(const std::string& id, const PidRecord& record, const proc::ProcFs& procfs) {
  auto pidfd = openShimPidfd(record, procfs);
  return pidfd && add(id, Watched::Shim, std::move(*pidfd));
}

bool ExitWatcher::watchPid1(const std::string& id, const PidRecord& record, const proc::ProcFs& procfs) {
  auto pidfd = openPid1Pidfd(record, procfs);
  return pidfd && add(id, Watched::Pid1, std::move(*pidfd));
}

bool ExitWatcher::add(const std::string& id, Watched what, UniqueFd pidfd) {
  std::lock_guard lock(mutex_);
  for (const auto& [fd, entry] : byFd_) {
    if (entry.id == id && entry.what == what) return true;  // already watched
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = pidfd.get();
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, pidfd.get(), &event) != 0) return false;
  int fd = pidfd.get();
  byFd_.emplace(fd, Entry{id, what, std::move(pidfd)});
  return true;
}

std::vector<Ended> ExitWatcher::takeExited() {
  std::vector<Ended> exited;
  epoll_event events[64];
  int n;
  while ((n = ::epoll_wait(epoll_.get(), events, 64, 0)) > 0) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < n; ++i) {
      auto found = byFd_.find(events[i].data.fd);
      if (found == byFd_.end()) continue;
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, found->first, nullptr);
      exited.push_back({found->second.id, found->second.what});
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
