#include "ServiceNotify.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "UniqueFd.h"

namespace agent {

ServiceNotify ServiceNotify::fromEnvironment() {
  const char* address = std::getenv("NOTIFY_SOCKET");
  ServiceNotify notify(address ? address : "");
  ::unsetenv("NOTIFY_SOCKET");
  return notify;
}

void ServiceNotify::ready(const std::string& status) {
  status_ = status;
  send("READY=1\nSTATUS=" + status_);
}

void ServiceNotify::reloading() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  uint64_t usec = static_cast<uint64_t>(now.tv_sec) * 1000000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
  send("RELOADING=1\nSTATUS=reloading the config and policies\nMONOTONIC_USEC=" + std::to_string(usec));
}

void ServiceNotify::reloaded(const std::string& failure) {
  send("READY=1\nSTATUS=" + status_ + (failure.empty() ? "" : "; the last reload failed: " + failure));
}

void ServiceNotify::stopping() {
  send("STOPPING=1\nSTATUS=stopping; containers keep running");
}

void ServiceNotify::send(const std::string& message) {
  if (address_.empty()) return;
  sockaddr_un to{};
  to.sun_family = AF_UNIX;
  // "/path" or "@abstract" (systemd's notation for a leading NUL); systemd 254's vsock
  // addresses are not for a host daemon.
  bool usable = (address_[0] == '/' || address_[0] == '@') && address_.size() < sizeof to.sun_path;
  int err = EAFNOSUPPORT;
  if (usable) {
    std::memcpy(to.sun_path, address_.data(), address_.size());
    if (to.sun_path[0] == '@') to.sun_path[0] = '\0';
    socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (fd.valid() && ::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&to), length) == static_cast<ssize_t>(message.size()))
      return;
    err = errno;
  }
  // Once: a manager that went away is not worth a line per reload.
  if (failureLogged_) return;
  failureLogged_ = true;
  spdlog::warn("msg=\"cannot notify the service manager\" notify_socket={} error=\"{}\"", address_, std::strerror(err));
}

}  // namespace agent
