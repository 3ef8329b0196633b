#pragma once
// A container's transient scope under the systemd cgroup driver (docs/cgroups.md, "Under
// systemd"). systemd makes a scope only around a process, and removes it once it is empty, so
// a holder process keeps it while the container is made:
//   <slice>/agent-<id>.scope/            systemd's; agentd writes only its subtree_control
//     supervisor/   the holder, then the container's agent-shim
//     container/    PID 1 and every process of the container: limits, freezer, device rules
// v2 allows processes only in leaves once a group delegates controllers: hence the two.
#include <sys/types.h>

#include <functional>
#include <string>

#include "Error.h"
#include "Hierarchy.h"

namespace agent::container {

// What the systemd driver needs of systemd (wired to runtime/systemd/SystemdManager).
struct SystemdScopes {
  std::string slice;      // "agent.slice"
  std::string slicePath;  // its cgroup, "/agent.slice"
  // Starts transient scope `scope` (name, cgroup path `scopePath`) holding `pid`; returns once
  // `pid` is in it.
  std::function<Result<void>(const std::string& scope, const std::string& scopePath, pid_t pid,
                             const std::string& description)>
      startScope;

  std::string scopePathOf(const std::string& id) const;      // "/agent.slice/agent-<id>.scope"
  std::string containerPathOf(const std::string& id) const;  // ".../agent-<id>.scope/container"
};

class ContainerScope {
 public:
  // Forks the holder, has systemd put it in the container's new scope, and moves it to
  // supervisor/: the scope is then ready for container/ (Cgroup::create with the scope as
  // its delegated root). On failure nothing of it stays (the holder is ended; systemd
  // removes an empty scope).
  static Result<ContainerScope> enter(const SystemdScopes& scopes, const cgroup::Hierarchy& hierarchy,
                                      const std::string& id, const std::string& name);
  ContainerScope(ContainerScope&& other) noexcept;
  ContainerScope& operator=(ContainerScope&&) = delete;
  ContainerScope(const ContainerScope&) = delete;
  ~ContainerScope();  // ends the holder: call once the container's processes are in

  const std::string& scopePath() const { return scopePath_; }
  // Moves the container's shim into supervisor/, out of agentd.service: a `systemctl stop
  // agentd` then leaves that unit empty, and the container's scope holds all that is its own.
  Result<void> adoptShim(pid_t shim) const;

 private:
  ContainerScope(std::string supervisorDir, std::string scopePath, pid_t holder)
      : supervisorDir_(std::move(supervisorDir)), scopePath_(std::move(scopePath)), holder_(holder) {}
  std::string supervisorDir_;  // the directory, under the unified mount
  std::string scopePath_;
  pid_t holder_ = -1;
};

}  // namespace agent::container
