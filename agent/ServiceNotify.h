#pragma once
// agentd's side of systemd's readiness protocol (sd_notify(3); the unit is Type=notify,
// deploy/agentd.service): READY=1 once the API serves and the first collection is published,
// RELOADING=1 then READY=1 around a SIGHUP reload, STOPPING=1 when SIGTERM arrives.
//
// The address comes from $NOTIFY_SOCKET, taken once and removed from the environment before
// any thread starts: the socket is agentd's alone, and agent-shim, which gets agentd's
// environment, must not carry it into the containers' world. libsystemd's sd_notify() reads
// the variable at every call, so it would have to stay set (in every child's environment)
// or be set again while agentd's threads read the environment; the protocol itself is one
// datagram to a unix socket (a path, or "@name" in the abstract namespace), which systemd
// documents as stable for implementations of their own, so it is sent here directly.
// Without $NOTIFY_SOCKET (not under systemd) every call does nothing.
#include <string>

namespace agent {

class ServiceNotify {
 public:
  // Takes $NOTIFY_SOCKET and unsets it. Call while agentd is single-threaded.
  static ServiceNotify fromEnvironment();
  explicit ServiceNotify(std::string address) : address_(std::move(address)) {}

  // READY=1 with STATUS=`status` (what `systemctl status` shows).
  void ready(const std::string& status);
  // RELOADING=1 (with MONOTONIC_USEC, which systemd 253's Type=notify-reload wants).
  void reloading();
  // READY=1 again after a reload, with the last status; `failure` (what the reload could not
  // take, "" for none) is added to it, so `systemctl status` shows a refused reload.
  void reloaded(const std::string& failure = {});
  // STOPPING=1: `systemctl status` shows "deactivating" while agentd drains.
  void stopping();

 private:
  void send(const std::string& message);

  std::string address_;  // empty: not under a service manager
  std::string status_;
  bool failureLogged_ = false;
};

}  // namespace agent
