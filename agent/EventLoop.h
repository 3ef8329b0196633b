#pragma once
// agentd's main thread once everything is up: signals (through a signalfd), container exits
// (the runtime's pidfd events) and changes in the policy directory (inotify), in order, on
// one thread. Shims that ended are reaped and --rm containers removed on every event and
// on a slow tick.
#include <functional>
#include <optional>
#include <string>

#include "ContainerRuntime.h"
#include "PolicyDirWatch.h"
#include "ServiceNotify.h"

namespace agent {

class EventLoop {
 public:
  struct Reloads {
    // Each returns what it could not take ("" when all went well), for systemd's STATUS.
    std::function<std::string()> policies;  // the policy directory changed, or SIGHUP
    std::function<std::string()> config;    // SIGHUP: the config file
  };
  // `signalFd` reads SIGTERM, SIGINT, SIGHUP (and SIGCHLD, ignored). `service` hears of
  // each SIGHUP reload (RELOADING=1, then READY=1 once both reloads returned).
  EventLoop(int signalFd, container::ContainerRuntime& runtime, std::string policyDir, Reloads reloads,
            ServiceNotify& service)
      : signalFd_(signalFd),
        runtime_(runtime),
        policyDir_(std::move(policyDir)),
        reloads_(std::move(reloads)),
        service_(service) {}

  // Until SIGTERM or SIGINT; returns that signal.
  int run();

 private:
  // Watched afresh on SIGHUP: the directory may have been made, or replaced, since.
  void watchPolicyDir();
  void policyDirChanged();
  void collectExited();

  int signalFd_;
  container::ContainerRuntime& runtime_;
  std::string policyDir_;
  Reloads reloads_;
  ServiceNotify& service_;
  std::optional<PolicyDirWatch> policyWatch_;
};

// Loud: the container runs on, but its exit status is lost for good.
void logShimLoss(const container::ShimLoss& lost);

}  // namespace agent
