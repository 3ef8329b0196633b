#pragma once
// The containers of one agent: create and start them (through agent-shim), find them by id,
// id prefix or name, stop, kill, pause, resume, remove, exec. Its whole view is rebuilt from
// the state directory on every call, so an agentd restart re-adopts everything that runs.
// Errors use errno for their kind: ENOENT not found, EINVAL invalid, EEXIST/EBUSY conflict.
#include <sys/eventfd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "Cgroup.h"
#include "ContainerNetwork.h"
#include "ContainerRecord.h"
#include "ContainerScope.h"
#include "Exec.h"
#include "ExecStreams.h"
#include "ExitWatch.h"
#include "FileChangeWatch.h"
#include "IdRangeAllotment.h"
#include "LayeredImageStore.h"
#include "LogReader.h"
#include "RunRequest.h"
#include "StandbyPool.h"
#include "StateStore.h"
#include "Trash.h"

namespace agent::container {

// Compiles a container's seccomp filter for its capability set: agentd's default profile
// (`profileJson` empty) or the given one. Returns the BPF program. agentd wires in
// runtime/seccomp (SeccompFilterCache.h); unset, containers run unconfined.
using SeccompCompile = std::function<Result<std::string>(CapabilitySet capabilities, const std::string& profileJson)>;

struct RuntimeConfig {
  std::string stateDir = "/run/agent";     // containers/<id>/ records
  std::string dataDir = "/var/lib/agent";  // images/<name>/rootfs, containers/<id>/ layers and log
  std::string shimPath;                    // agent-shim
  std::string cgroupParent = "/agent";
  uint64_t logMaxBytes = 10 << 20;
  // User namespaces (docs/security.md): what a run that does not say gets, and whose
  // subordinate ids --userns auto hands out.
  UsernsMode defaultUserns = UsernsMode::Host;
  SubordinateIdSource subordinateIds = {};
  SeccompCompile seccomp = {};  // the containers' default profile, compiled per capability set (runtime/seccomp)
  // Layered images (docs/images.md), owned by agentd; none: flat images only (the tests').
  image::LayeredImageStore* images = nullptr;
  // Bridge networking (ContainerNetwork.h), owned by agentd; none: `--net bridge` is refused.
  ContainerNetwork* network = nullptr;
  NetworkMode defaultNetwork = NetworkMode::None;  // a run that does not say (`default_network`)
  std::string networkUnavailable = {};             // why there is none, for that refusal (a config problem)
  // The systemd cgroup driver (ContainerScope.h): each container in a transient scope of this
  // slice, and cgroupParent unused; unset: groups below cgroupParent (the cgroupfs driver).
  std::optional<SystemdScopes> systemd = std::nullopt;
};

// What a reader asks of a container's output (logs, and the attached stream of `run`).
struct LogQuery {
  std::optional<uint64_t> position;   // empty: from the oldest output kept
  std::optional<uint64_t> tailLines;  // instead of a position: the last lines
  size_t maxBytes = 4u << 20;
  std::chrono::milliseconds wait{0};  // with nothing new, wait this long for output or the exit
  std::string reader;                 // an attached reader: its lease is renewed at `position`
};

// A piece of PID 1's output, as frames saying which stream each piece came from.
struct LogRead {
  LogChunk chunk;
  bool running = false;            // the container had not stopped when its log was read
  std::optional<ExitRecord> exit;  // once stopped
  // The container has stopped and this piece holds the last of its output.
  bool ended() const { return !running && chunk.caughtUp; }
};

// A container whose shim ended while its PID 1 still runs (the shim was killed): nobody can
// record PID 1's exit status any more. agentd watches PID 1 itself from then on (a pidfd),
// records the stop (exit code unknown) and cleans up as for any exit; stop and rm work.
struct ShimLoss {
  std::string id;
  pid_t shimPid = 0;
  pid_t pid1 = 0;
};

// A shim that ended: its container's exit record (none if it ended without writing one), or
// a shim lost while its container runs.
struct ExitEvent {
  std::string id;
  std::optional<ExitRecord> exit;
  std::optional<ShimLoss> shimLost;
};

// What watchRunning() armed: running containers watched through their shims, and those
// found running without one (watched through PID 1).
struct WatchReport {
  size_t shims = 0;
  std::vector<ShimLoss> lost;
  // Running containers whose devices are not confined (ContainerDevices.cpp), and why.
  struct Unconfined {
    std::string id, name, why;
  };
  std::vector<Unconfined> devicesUnconfined;
  size_t deviceProgramsRestored = 0;  // cgroup v2: found missing and attached again
};

struct ContainerInfo {
  ContainerConfig config;
  ContainerStatus status;
  std::string shortId() const { return config.spec.id.substr(0, 12); }
};

class ContainerRuntime {
 public:
  ContainerRuntime(RuntimeConfig config, cgroup::Hierarchy hierarchy);

  const RuntimeConfig& config() const { return config_; }
  // Whether a container (in any state) was made from the layered image `imageId`, or has the
  // layer `diffId`: the image store keeps what containers use (LayeredImageStore.h).
  bool usesImage(const std::string& imageId) const;
  bool usesLayer(const std::string& diffId) const;
  // Creates and starts a container; returns once its command runs. A command missing from the
  // image gives a stopped container with exit code 127 and the reason (exit.error).
  Result<ContainerInfo> run(const RunRequest& request);
  Result<std::vector<ContainerInfo>> list() const;
  Result<ContainerInfo> inspect(const std::string& ref) const;
  // SIGTERM, up to `grace` for it to end, then SIGKILL; a paused container is thawed first.
  Result<ContainerInfo> stop(const std::string& ref, std::chrono::milliseconds grace);
  Result<void> kill(const std::string& ref, int signal);
  Result<void> pause(const std::string& ref);
  Result<void> resume(const std::string& ref);
  // Refused for a running container unless `force` (which kills it first).
  Result<void> remove(const std::string& ref, bool force);
  // --rm decided after the start (a client that detached from `run -it --rm`): the container
  // is removed when it stops, or now if it has stopped already.
  Result<void> removeOnExit(const std::string& ref);
  // The exit code of a container agentd removed on its exit (--rm), by full id, for the last
  // kRemovedExitsKept of them; nullopt for any other id.
  std::optional<int> exitOfRemoved(const std::string& id) const;
  static constexpr size_t kRemovedExitsKept = 256;
  Result<ExecResult> exec(const std::string& ref, const std::vector<std::string>& args, const ExecAs& as = {});
  // exec -t / -i: the helper started, its terminal or pipes the caller's (ExecStreams.h).
  Result<ExecStreams> execStreams(const std::string& ref, const std::vector<std::string>& args,
                                  const ExecStreamOptions& options);
  // Waits until the container has an exit record: on a pidfd of its shim, not by polling.
  std::optional<ExitRecord> waitForExit(const std::string& ref, std::chrono::milliseconds timeout) const;
  // The output `query` asks for. With nothing new yet and the container running, waits up to
  // query.wait for output or the exit (inotify on the log, pidfd on the shim).
  Result<LogRead> readLog(const std::string& ref, const LogQuery& query) const;

  // Exit events for agentd's loop: watchRunning() arms a pidfd for every running container
  // (run() arms new ones); exitEventsFd() turns readable when one ends; collectExited() then
  // reaps shims, logs the exits and removes stopped removeOnExit containers.
  WatchReport watchRunning();
  // Keeps `count` standby containers ready for run() (0: none, every start is cold), after
  // removing any a previous agentd left behind.
  void keepStandby(size_t count);
  size_t standbyReady() const;
  // The cgroups of the standby containers (StandbyPool::cgroupPaths): not containers, never
  // shown as ones. Read it BEFORE list(): a standby that left this set is in list() by then.
  std::set<std::string> standbyCgroups() const;
  // Changes whenever a container is created, removed, paused, resumed or seen to exit: a
  // reader of list() (the collector, every second) re-reads only when it moved.
  uint64_t generation() const { return generation_.load(); }
  // agentd is stopping: log followers waiting in readLog() return now with what they have
  // (their clients ask again, and are told agentd stops), and no longer wait from then on.
  void stopFollowers();
  // Waits until the files of removed containers are deleted (they go in the background).
  void drainTrash() { trash_.drain(); }
  int exitEventsFd() const { return exits_.fd(); }
  std::vector<ExitEvent> collectExited();
  std::string logPathOf(const std::string& id) const;
  Result<cgroup::Cgroup> cgroupOf(const ContainerConfig& config) const;

 private:
  // A stopped container's cgroup is read (final usage, OOM kills) into usage.json and then
  // removed, once: on its exit event, at re-adoption, or when first seen stopped. Returns the
  // record; none if its state directory is gone.
  std::optional<FinalUsage> settleStopped(const std::string& id, const ContainerConfig& config) const;
  // Kills what is left in the cgroup at `path` and removes it from every hierarchy it is in,
  // also when it is only in some (a removal cut short). Gone already: success.
  Result<void> discardCgroup(const std::string& path) const;
  // At re-adoption: whether a running container's devices are confined; a missing v2
  // device program of a container that had one is attached again (ContainerDevices.cpp).
  void recheckDevices(const std::string& id, WatchReport& report) const;
  // The container's shim is gone while PID 1 runs: watch PID 1 itself.
  std::optional<ShimLoss> adoptOrphan(const std::string& id) const;
  Result<std::string> resolve(const std::string& ref) const;
  // The BPF program of the filter `request` asks for; empty: none.
  Result<std::string> seccompProgramFor(const RunRequest& request, CapabilitySet capabilities) const;
  Result<ContainerInfo> load(const std::string& id) const;
  // A running container's record and cgroup, for exec (refused, saying so, when not running).
  Result<std::pair<ContainerInfo, cgroup::Cgroup>> execTarget(const std::string& ref) const;
  Result<void> removeLocked(const std::string& id, bool force);
  Result<void> setFrozen(const std::string& ref, bool frozen);
  // Networking of a new container (ContainerRuntimeNetwork.cpp). planNetwork checks the request
  // and joins --net container:REF to that container's namespace and /etc files; reserveNetwork
  // leases a bridge container's address and ports and writes its /etc files; attachNetwork
  // gives its prepared PID 1 the veth; releaseNetwork undoes reserve and attach.
  // `publish`: -p's texts, and with -P the image's ExposedPorts ("80/tcp").
  Result<void> planNetwork(const RunRequest& request, NetworkMode network, const std::vector<std::string>& publish,
                           ContainerConfig& config) const;
  Result<void> reserveNetwork(const std::vector<std::string>& publish, ContainerConfig& config);
  Result<void> attachNetwork(const ContainerConfig& config, pid_t pid1);
  void releaseNetwork(const ContainerConfig& config);
  // The container's shim started (or `standby`'s released), a bridge container's network
  // attached to its PID 1 in between.
  tl::expected<StartedShim, ShimStartFailure> startContainerShim(const ContainerConfig& config, StandbyShim* standby);
  // The host ids of a new container (IdRangeAllotment.h); none for UsernsMode::Host.
  Result<std::optional<userns::IdMapping>> allotUserNamespace(UsernsMode mode) const;

  RuntimeConfig config_;
  cgroup::Hierarchy hierarchy_;
  StateStore store_;
  mutable std::mutex mutex_;
  void rememberRemovedExit(const std::string& id, int exitCode);  // under mutex_
  std::deque<std::pair<std::string, int>> removedExits_;          // oldest first
  mutable ExitWatcher exits_;
  mutable FileChangeWatch logChanges_;                                // for followers of logs
  UniqueFd followersStop_{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};  // readable once stopFollowers()
  std::atomic<bool> stoppingFollowers_{false};
  Trash trash_;                        // removed containers' files, deleted in the background
  std::unique_ptr<StandbyPool> pool_;  // last: ends (dropping its standbys) first
  std::mutex childrenMutex_;
  std::set<pid_t> shimChildren_;    // shims this agentd started, reaped once they end
  mutable std::mutex settleMutex_;  // one settleStopped() at a time (callers hold mutex_ or not)
  mutable std::atomic<uint64_t> generation_{0};
};

}  // namespace agent::container
