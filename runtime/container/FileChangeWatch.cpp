#include "FileChangeWatch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>

#include <cstdint>

namespace agent::container {

FileChangeWatch::Subscription::Subscription(Subscription&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), wd_(other.wd_), eventFd_(std::move(other.eventFd_)) {}

FileChangeWatch::Subscription& FileChangeWatch::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    wd_ = other.wd_;
    eventFd_ = std::move(other.eventFd_);
  }
  return *this;
}

FileChangeWatch::Subscription::~Subscription() {
  release();
}

void FileChangeWatch::Subscription::release() {
  if (owner_ != nullptr) owner_->unsubscribe(wd_, eventFd_.get());
  owner_ = nullptr;
  eventFd_.reset();
}

FileChangeWatch::FileChangeWatch()
    : inotify_(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)), stop_(::eventfd(0, EFD_CLOEXEC)) {
  if (inotify_.valid() && stop_.valid()) dispatcher_ = std::thread([this] { dispatch(); });
}

FileChangeWatch::~FileChangeWatch() {
  if (dispatcher_.joinable()) {
    uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    dispatcher_.join();
  }
}

Result<FileChangeWatch::Subscription> FileChangeWatch::subscribe(const std::string& path) {
  if (!dispatcher_.joinable()) return logicError("watch for changes (no inotify instance)", path, ENOSYS);
  UniqueFd eventFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!eventFd.valid()) return systemError("create an eventfd to watch", path);
  std::lock_guard lock(mutex_);
  int wd = ::inotify_add_watch(inotify_.get(), path.c_str(), IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB);
  if (wd < 0) return systemError("watch for changes", path);
  waitersByWatch_.emplace(wd, eventFd.get());
  return Subscription(this, wd, std::move(eventFd));
}

void FileChangeWatch::unsubscribe(int wd, int eventFd) {
  std::lock_guard lock(mutex_);
  auto [first, last] = waitersByWatch_.equal_range(wd);
  for (auto it = first; it != last; ++it) {
    if (it->second == eventFd) {
      waitersByWatch_.erase(it);
      break;
    }
  }
  // The same file watched twice shares one watch descriptor: remove it with the last waiter.
  if (waitersByWatch_.count(wd) == 0) ::inotify_rm_watch(inotify_.get(), wd);
}

void FileChangeWatch::dispatch() {
  alignas(inotify_event) char buffer[16384];
  while (true) {
    pollfd fds[2] = {{inotify_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    ssize_t n = ::read(inotify_.get(), buffer, sizeof buffer);
    if (n <= 0) continue;
    std::lock_guard lock(mutex_);
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      auto [first, last] = waitersByWatch_.equal_range(event->wd);
      uint64_t one = 1;
      for (auto it = first; it != last; ++it) (void)!::write(it->second, &one, sizeof one);
    }
  }
}

}  // namespace agent::container
