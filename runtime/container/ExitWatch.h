#pragma once
// Knowing, without polling, when a container's exit status is final.
//
// The file descriptor watched is a pidfd on the container's agent-shim, not on PID 1: the
// shim ends right after it has written exit.json, so "the shim's pidfd is readable" means
// "the exit record is on disk", and nothing can be read half-written. The pidfd is checked
// against the start time recorded in pid.json, so a pid that now names another process is
// never watched by mistake.
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ContainerRecord.h"
#include "Error.h"
#include "ProcFs.h"
#include "UniqueFd.h"

namespace agent::container {

// A pidfd on the shim of `record`; ESRCH when that shim has already ended.
Result<UniqueFd> openShimPidfd(const PidRecord& record, const proc::ProcFs& procfs);

// Watches many shims at once for agentd's main loop: fd() turns readable when one ends.
class ExitWatcher {
 public:
  ExitWatcher();
  int fd() const { return epoll_.get(); }
  // Watches the shim of container `id`. False if it has ended already (the caller then
  // treats the container as exited now).
  bool watch(const std::string& id, const PidRecord& record, const proc::ProcFs& procfs);
  // The containers whose shims ended since the last call.
  std::vector<std::string> takeExited();
  size_t watched() const;

 private:
  UniqueFd epoll_;
  mutable std::mutex mutex_;
  std::map<int, std::pair<std::string, UniqueFd>> byFd_;
};

}  // namespace agent::container
