#include "EventLoop.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <thread>

namespace agent {

namespace {

void drain(int fd) {
  char events[4096];
  while (::read(fd, events, sizeof events) > 0) {
  }
}

}  // namespace

void logShimLoss(const container::ShimLoss& lost) {
  spdlog::error(
      "msg=\"container's shim was killed while the container runs; its exit code cannot be recorded\" id={} "
      "shim_pid={} pid={} hint=\"agentd watches PID 1 itself and records the stop; stop, kill and rm work; "
      "find what killed the shim (dmesg, the audit log)\"",
      lost.id.substr(0, 12), lost.shimPid, lost.pid1);
}

void EventLoop::watchPolicyDir() {
  policyWatch_ = UniqueFd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (policyWatch_.valid() &&
      ::inotify_add_watch(policyWatch_.get(), policyDir_.c_str(),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE) < 0) {
    spdlog::info("msg=\"policy directory not watched (reload with SIGHUP or agentctl policy reload)\" dir={}",
                 policyDir_);
    policyWatch_.reset();
  }
}

void EventLoop::policyDirChanged() {
  // An editor saves in several steps: let them land, then read the directory once.
  drain(policyWatch_.get());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  drain(policyWatch_.get());
  reloads_.policies();
}

void EventLoop::collectExited() {
  for (const auto& event : runtime_.collectExited()) {
    if (event.shimLost) {
      logShimLoss(*event.shimLost);
    } else if (event.exit) {
      spdlog::info("msg=\"container exited\" id={} exit_code={}", event.id.substr(0, 12), event.exit->exitCode);
    } else {
      spdlog::warn("msg=\"container's shim ended without an exit record\" id={}", event.id.substr(0, 12));
    }
  }
}

int EventLoop::run() {
  watchPolicyDir();
  while (true) {
    // Exits arrive on pidfds; the slow tick is a safety net for a shim that ended before
    // its pidfd could be opened.
    pollfd fds[3] = {{signalFd_, POLLIN, 0}, {runtime_.exitEventsFd(), POLLIN, 0}, {policyWatch_.get(), POLLIN, 0}};
    int ready = ::poll(fds, policyWatch_.valid() ? 3 : 2, 5000);
    if (ready > 0 && policyWatch_.valid() && fds[2].revents != 0) policyDirChanged();
    if (ready > 0 && fds[0].revents != 0) {
      signalfd_siginfo info{};
      if (::read(signalFd_, &info, sizeof info) != sizeof info) continue;
      int signal = static_cast<int>(info.ssi_signo);
      if (signal == SIGTERM || signal == SIGINT) return signal;
      if (signal == SIGHUP) {
        service_.reloading();
        watchPolicyDir();
        reloads_.policies();
        reloads_.config();
        service_.reloaded();
      }
    }
    collectExited();
  }
}

}  // namespace agent
