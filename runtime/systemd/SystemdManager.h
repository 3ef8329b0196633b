#pragma once
// A client of systemd's manager (PID 1) over D-Bus, for the systemd cgroup driver: it asks
// for a transient scope per container (StartTransientUnit, as runc's and crun's systemd
// drivers do), so that agentd never makes or writes a cgroup systemd did not delegate to it
// (systemd.io/CGROUP_DELEGATION). sd-bus from libsystemd (Debian's libsystemd0).
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "Error.h"

typedef struct sd_bus sd_bus;

namespace agent::systemd {

// Whether systemd is PID 1 (sd_booted(3): /run/systemd/system exists).
bool systemdBooted();

class SystemdManager {
 public:
  // Connects to PID 1's private socket (/run/systemd/private: root only, and needs no
  // dbus-daemon, which Debian's systemd only recommends), else to the system bus.
  static Result<std::unique_ptr<SystemdManager>> connect();
  ~SystemdManager();
  SystemdManager(const SystemdManager&) = delete;
  SystemdManager& operator=(const SystemdManager&) = delete;

  // Starts transient scope `scope` ("agent-<id>.scope") in `slice` holding `pid`, with
  // Delegate=yes (its subtree is the caller's), CollectMode=inactive-or-failed (gone once
  // empty, even failed) and DefaultDependencies=no (as runc's: not stopped before the rest
  // at shutdown). Returns once `pid` is in the scope's cgroup, `scopePath` (read from
  // /proc/PID/cgroup), or fails after `timeout`. An error names systemd's own (e.g. "Unit
  // agent-….scope already exists").
  Result<void> startScope(const std::string& scope, const std::string& slice, const std::string& scopePath, pid_t pid,
                          const std::string& description, std::chrono::milliseconds timeout);

 private:
  explicit SystemdManager(sd_bus* bus) : bus_(bus) {}
  Result<void> callStartTransientUnit(const std::string& scope, const std::string& slice, pid_t pid,
                                      const std::string& description, std::chrono::milliseconds timeout);
  std::mutex mutex_;  // sd-bus connections are not thread-safe
  sd_bus* bus_;
};

}  // namespace agent::systemd
