// ContainerRuntime, the part that follows containers after they start: waiting for an
// exit, following the log, and the exit events of agentd's loop (pidfds on the shims).
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <thread>

#include "ContainerRuntime.h"
#include "ReaderLease.h"
#include "RunRequestValidation.h"

namespace agent::container {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {
int millisecondsUntil(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
}
}  // namespace

std::optional<ExitRecord> ContainerRuntime::waitForExit(const std::string& ref,
                                                        std::chrono::milliseconds timeout) const {
  auto id = resolve(ref);
  if (!id) return std::nullopt;
  auto deadline = Clock::now() + timeout;
  while (true) {
    auto exit = store_.readExit(*id);
    if (exit && *exit) return **exit;
    auto info = load(*id);
    if (!info) return std::nullopt;  // removed meanwhile
    if (info->status.state == ContainerState::Stopped) {
      return info->status.exit ? *info->status.exit : ExitRecord{-1, std::nullopt, 0, "exit unknown"};
    }
    if (Clock::now() >= deadline) return std::nullopt;
    auto pid = store_.readPid(*id);
    auto pidfd = pid && *pid ? openShimPidfd(**pid, proc::ProcFs()) : logicError("", "", ESRCH);
    // A container whose shim was killed: its end is PID 1's.
    if (!pidfd && pid && *pid) pidfd = openPid1Pidfd(**pid, proc::ProcFs());
    if (pidfd) {
      pollfd ended{pidfd->get(), POLLIN, 0};
      (void)::poll(&ended, 1, millisecondsUntil(deadline));
    } else {
      // No pidfd: the shim ended between the reads above (the next pass sees its record).
      std::this_thread::sleep_for(1ms);
    }
  }
}

Result<LogRead> ContainerRuntime::readLog(const std::string& ref, const LogQuery& query) const {
  auto id = resolve(ref);
  if (!id) return tl::unexpected(id.error());
  std::string bundle = store_.dirOf(*id);
  if (!query.reader.empty()) {
    if (!isReaderId(query.reader))
      return userError(
          "reader " + quotedForMessage(query.reader) + " is not a reader id; give the hex id agentd's run reply gave",
          EINVAL);
    // The client has everything before its position: rotation may discard up to there.
    ReaderLease lease{query.position.value_or(0), bootTimeMs() + kReaderLeaseTime.count()};
    if (auto renewed = writeReaderLease(bundle, query.reader, lease); !renewed && !renewed.error().isGone())
      return tl::unexpected(renewed.error());
  }
  auto deadline = Clock::now() + query.wait;
  std::optional<FileChangeWatch::Subscription> changes;
  UniqueFd ended;
  while (true) {
    auto info = load(*id);
    if (!info) return tl::unexpected(info.error());
    LogRead read;
    // Known before the log is read: a stopped container's shim has logged all its output.
    read.running = info->status.state != ContainerState::Stopped;
    read.exit = info->status.exit;
    auto chunk = query.tailLines ? readLogTail(info->config.logPath, *query.tailLines, query.maxBytes)
                                 : readLogFrom(info->config.logPath, query.position, query.maxBytes);
    if (!chunk) return tl::unexpected(chunk.error());
    read.chunk = std::move(*chunk);
    bool news = !read.chunk.frames.empty() || read.chunk.lost > 0 || !read.chunk.caughtUp;
    if (news || !read.running || Clock::now() >= deadline || stoppingFollowers_) {
      if (read.ended() && !query.reader.empty()) dropReaderLease(bundle, query.reader);
      return read;
    }
    if (!changes) {
      // Armed before one more read, so output written in between is not missed.
      if (auto subscribed = logChanges_.subscribe(info->config.logPath)) changes = std::move(*subscribed);
      auto pid = store_.readPid(*id);
      if (pid && *pid) {
        if (auto fd = openShimPidfd(**pid, proc::ProcFs()))
          ended = std::move(*fd);
        else if (auto pid1 = openPid1Pidfd(**pid, proc::ProcFs()))
          ended = std::move(*pid1);  // shim killed
      }
      if (changes) continue;
    }
    pollfd fds[3] = {
        {changes ? changes->fd() : -1, POLLIN, 0}, {ended.get(), POLLIN, 0}, {followersStop_.get(), POLLIN, 0}};
    // Without both descriptors, a short sleep bounds how late output or the exit is seen.
    int limit = changes && ended.valid() ? millisecondsUntil(deadline) : std::min(millisecondsUntil(deadline), 10);
    (void)::poll(fds, 3, limit);
    // Watched afresh on the next pass: the file may have been rotated.
    if (fds[0].revents != 0) changes.reset();
  }
}

void ContainerRuntime::stopFollowers() {
  stoppingFollowers_ = true;
  uint64_t one = 1;
  (void)!::write(followersStop_.get(), &one, sizeof one);  // stays readable: wakes every waiter
}

WatchReport ContainerRuntime::watchRunning() {
  std::lock_guard lock(mutex_);
  WatchReport report;
  auto ids = store_.listIds();
  if (!ids) return report;
  for (const auto& id : *ids) {
    auto exit = store_.readExit(id);
    auto pid = store_.readPid(id);
    if (!exit || *exit || !pid || !*pid) {
      // Stopped while no agentd watched: its cgroup goes now (load() records its usage).
      if (exit && *exit) (void)load(id);
      continue;
    }
    if (exits_.watch(id, **pid, proc::ProcFs())) {
      ++report.shims;
    } else if (auto lost = adoptOrphan(id)) {
      report.lost.push_back(*lost);
    } else {
      continue;
    }
    recheckDevices(id, report);
  }
  return report;
}

std::vector<ExitEvent> ContainerRuntime::collectExited() {
  // Only shims are reaped here: a waitpid(-1) could take the status of an exec helper that
  // another thread is waiting for.
  bool reapedAny = false;
  {
    std::lock_guard children(childrenMutex_);
    for (auto it = shimChildren_.begin(); it != shimChildren_.end();) {
      pid_t reaped = ::waitpid(*it, nullptr, WNOHANG);
      bool gone = reaped == *it || (reaped < 0 && errno == ECHILD);
      reapedAny = reapedAny || gone;
      it = gone ? shimChildren_.erase(it) : std::next(it);
    }
  }
  std::vector<ExitEvent> events;
  for (const auto& ended : exits_.takeExited()) {
    const std::string& id = ended.id;
    auto exit = store_.readExit(id);
    // Removed (rm -f, run --rm's client), also while exit.json was looked for: the directory
    // goes in one rename, so a config read after it says the missing record was missing.
    if (!store_.readConfig(id)) continue;
    if (!exit) continue;  // unreadable now; the next load() sees it
    ExitEvent event{id, *exit, std::nullopt};
    if (!*exit && ended.what == Watched::Shim) {
      // The shim ended without recording an exit: was it killed while PID 1 runs on?
      event.shimLost = adoptOrphan(id);
    } else if (!*exit && ended.what == Watched::Pid1) {
      // PID 1 of a container without a shim ended; nobody can know its exit status.
      auto pid = store_.readPid(id);
      ExitRecord record{255, std::nullopt, nowUnixMs(),
                        "exit code unknown: the container's shim (pid " +
                            std::to_string(pid && *pid ? (*pid)->shimPid : 0) +
                            ") was killed before PID 1 ended; agentd recorded the stop"};
      if (store_.writeExit(id, record)) event.exit = record;
    }
    events.push_back(std::move(event));
  }
  // A shim that ended means a container's state changed (events or not: some end before
  // their pidfd is open).
  if (reapedAny || !events.empty()) ++generation_;
  std::lock_guard lock(mutex_);
  auto ids = store_.listIds();
  if (!ids) return events;
  for (const auto& id : *ids) {
    // load() settles a stopped container: its usage recorded, its cgroup removed.
    auto info = load(id);
    if (info && info->config.removeOnExit && info->status.state == ContainerState::Stopped) {
      // A client attached to it (run -it --rm, detached and attached again) asks for its exit
      // code once its stream ends: kept a while after the container is gone (Docker's wait
      // with condition=removed answers the same).
      if (info->status.exit) rememberRemovedExit(id, info->status.exit->exitCode);
      (void)removeLocked(id, false);
    }
  }
  return events;
}

}  // namespace agent::container
