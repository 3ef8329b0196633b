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

// A pidfd on process `pid` if it is still the one that started at `startTimeTicks` (field 22
// of its stat) and has not ended; ESRCH otherwise. From then on the pidfd names that very
// process, whatever happens to the number: signals sent through it never reach another.
Result<UniqueFd> openPidfd(pid_t pid, uint64_t startTimeTicks, const proc::ProcFs& procfs);
// A pidfd on the shim of `record`; ESRCH when that shim has already ended.
Result<UniqueFd> openShimPidfd(const PidRecord& record, const proc::ProcFs& procfs);
// A pidfd on the container's PID 1; ESRCH when it has ended.
Result<UniqueFd> openPid1Pidfd(const PidRecord& record, const proc::ProcFs& procfs);

// What an exit event is about: normally the shim (its end means exit.json is written); for a
// container whose shim ended before it (killed), PID 1 itself.
enum class Watched { Shim, Pid1 };
struct Ended {
  std::string id;
  Watched what = Watched::Shim;
};

// Watches many shims at once for agentd's main loop: fd() turns readable when one ends.
class ExitWatcher {
 public:
  ExitWatcher();
  int fd() const { return epoll_.get(); }
  // Watches the shim of container `id`. False if it has ended already (the caller then
  // treats the container as exited now).
  bool watch(const std::string& id, const PidRecord& record, const proc::ProcFs& procfs);
  // Watches PID 1 of container `id` directly (its shim is gone). False if it has ended.
  bool watchPid1(const std::string& id, const PidRecord& record, const proc::ProcFs& procfs);
  // What ended since the last call.
  std::vector<Ended> takeExited();
  size_t watched() const;

 private:
  bool add(const std::string& id, Watched what, UniqueFd pidfd);

  UniqueFd epoll_;
  mutable std::mutex mutex_;
  struct Entry {
    std::string id;
    Watched what;
    UniqueFd pidfd;
  };
  std::map<int, Entry> byFd_;
};

}  // namespace agent::container
