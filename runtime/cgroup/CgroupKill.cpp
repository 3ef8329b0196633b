// Kill-all: cgroup.kill where the kernel has it, else freeze, SIGKILL every pid, thaw.
#include <signal.h>

#include <thread>

#include "Cgroup.h"
#include "CgroupV2Backend.h"

namespace agent::cgroup {

using Clock = std::chrono::steady_clock;

bool Cgroup::hasCgroupKill() const {
  return unifiedMember_ >= 0 && hasCgroupKillFile(members_[static_cast<size_t>(unifiedMember_)].dir);
}

Result<void> Cgroup::killAll(std::chrono::milliseconds timeout) const {
  if (readOnly_) return logicError("change cgroup (this handle only observes it)", path_, EPERM);
  if (!hasCgroupKill()) return killAllBySignal(timeout);
  const Dir& unified = members_[static_cast<size_t>(unifiedMember_)].dir;
  // A task held by the v1 freezer (a paused container on a hybrid host) acts on SIGKILL
  // only once thawed: kill first, so nothing runs on when thawed, then thaw.
  bool frozen = false;
  if (has(Controller::Freezer)) {
    auto status = freezerStatus();
    frozen = status && status->state != FreezerState::Thawed;
  }
  if (frozen) {
    if (auto sent = writeFileAt(unified, "cgroup.kill", "1"); !sent) return sent;
    if (auto thawed = thaw(timeout); !thawed) return thawed;
  }
  auto killed = killViaCgroupKill(unified, timeout);
  if (!killed) return killed;
  // On a hybrid host a process attached only to the v1 hierarchies (by another tool)
  // escapes cgroup.kill; make sure through the primary hierarchy.
  auto left = pidsRecursive();
  if (!left) return tl::unexpected(left.error());
  return left->empty() ? Result<void>() : killAllBySignal(timeout);
}

Result<void> Cgroup::killAllBySignal(std::chrono::milliseconds timeout) const {
  if (readOnly_) return logicError("change cgroup (this handle only observes it)", path_, EPERM);
  const auto deadline = Clock::now() + timeout;
  bool frozen = has(Controller::Freezer) && freeze(timeout);
  auto pids = pidsRecursive();
  // Never 0 or below (cgroup.procs shows 0 for a process outside our pid namespace): kill(0)
  // signals our own process group, kill(-1) everyone.
  if (pids) {
    for (pid_t pid : *pids)
      if (pid > 0) ::kill(pid, SIGKILL);
  }
  // Frozen tasks act on the SIGKILL once thawed.
  if (frozen) {
    if (auto r = thaw(timeout); !r) return r;
  }
  if (!pids) return tl::unexpected(pids.error());
  while (true) {
    auto left = pidsRecursive();
    if (!left) return tl::unexpected(left.error());
    if (left->empty()) return {};
    if (Clock::now() >= deadline) {
      return userError(std::to_string(left->size()) + " processes remain in cgroup " + primary().dir.path() +
                           " after SIGKILL; one may be stuck in the kernel (D state in ps): try again later",
                       ETIMEDOUT);
    }
    // Without a freezer a process may have forked after the listing: signal again.
    for (pid_t pid : *left)
      if (pid > 0) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(2ms);
  }
}

}  // namespace agent::cgroup
