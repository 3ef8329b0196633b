#include "EventLoop.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <thread>

namespace agent {

void logShimLoss(const container::ShimLoss& lost) {
  spdlog::error(
      "msg=\"container's shim was killed while the container runs; its exit code cannot be recorded\" id={} "
      "shim_pid={} pid={} hint=\"agentd watches PID 1 itself and records the stop; stop, kill and rm work; "
      "find what killed the shim (dmesg, the audit log)\"",
      lost.id.substr(0, 12), lost.shimPid, lost.pid1);
}

void EventLoop::watchPolicyDir() {
  auto watch = PolicyDirWatch::open(policyDir_);
  if (!watch) {
    spdlog::info(
        "msg=\"policy directory not watched (reload with SIGHUP or agentctl policy reload)\" dir={} error=\"{}\"",
        policyDir_, watch.error().message());
    policyWatch_.reset();
    return;
  }
  policyWatch_.emplace(std::move(*watch));
}

void EventLoop::policyDirChanged() {
  // An editor saves in several steps, kubelet swaps `..data` after writing the new files: let
  // them land, then read the directory once. An event after this drain wakes the loop again.
  policyWatch_->drain();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  policyWatch_->drain();
  (void)reloads_.policies();  // a refused set is logged, and `policy list` says why
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
    pollfd fds[3] = {{signalFd_, POLLIN, 0},
                     {runtime_.exitEventsFd(), POLLIN, 0},
                     {policyWatch_ ? policyWatch_->fd() : -1, POLLIN, 0}};
    int ready = ::poll(fds, policyWatch_ ? 3 : 2, 5000);
    if (ready > 0 && policyWatch_ && fds[2].revents != 0) policyDirChanged();
    if (ready > 0 && fds[0].revents != 0) {
      signalfd_siginfo info{};
      if (::read(signalFd_, &info, sizeof info) != sizeof info) continue;
      int signal = static_cast<int>(info.ssi_signo);
      if (signal == SIGTERM || signal == SIGINT) return signal;
      if (signal == SIGHUP) {
        service_.reloading();
        watchPolicyDir();
        std::string failed = reloads_.policies();
        std::string configFailed = reloads_.config();
        if (!configFailed.empty()) failed += (failed.empty() ? "" : "; ") + configFailed;
        service_.reloaded(failed);
      }
    }
    collectExited();
  }
}

}  // namespace agent
