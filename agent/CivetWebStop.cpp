#include "CivetWebStop.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "UniqueFd.h"

namespace agent {

namespace {

// One connection, closed at once: it only wakes the master thread's poll.
void knock(const std::string& host, bool ipv6, int port) {
  sockaddr_storage address{};
  socklen_t length = 0;
  if (ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&address);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (host.empty() || host == "::" || ::inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1)
      a->sin6_addr = in6addr_loopback;
    length = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&address);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (host.empty() || host == "0.0.0.0" || ::inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1)
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof *a;
  }
  UniqueFd fd(::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.valid()) (void)::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), length);
}

}  // namespace

void stopCivetWeb(mg_context* context, const std::string& host) {
  if (context == nullptr) return;
  mg_server_port ports[4];
  int count = mg_get_server_ports(context, 4, ports);
  std::vector<mg_server_port> bound(ports, ports + std::max(count, 0));
  // Knocks until mg_stop returns: one before the stop flag is set is served as an empty
  // connection and wakes nothing, so it goes on.
  std::jthread knocker([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      for (const auto& p : bound) knock(host, p.protocol == 2, p.port);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  mg_stop(context);
}

}  // namespace agent
