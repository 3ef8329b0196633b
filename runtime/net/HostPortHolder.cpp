#include "HostPortHolder.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <random>
#include <string>

#include "FileAt.h"
#include "SocketOwner.h"
#include "SocketTable.h"
#include "TextParse.h"
#include "UniqueFd.h"

namespace agent::net {
namespace {

constexpr const char* kLocalPortRange = "/proc/sys/net/ipv4/ip_local_port_range";

// "8080/tcp", or "127.0.0.1:8080/tcp" for a port on one address.
std::string hostPortText(in_addr address, uint16_t port, PortProtocol protocol) {
  std::string host = address.s_addr == INADDR_ANY ? "" : formatAddress(address) + ":";
  return host + std::to_string(port) + "/" + protocolName(protocol);
}

// The socket of this thread's namespace that the bind collided with: a listener first (tcp).
std::optional<BoundSocket> findBoundSocket(in_addr address, uint16_t port, PortProtocol protocol) {
  std::optional<BoundSocket> found;
  for (bool ipv6 : {false, true}) {
    std::string path = "/proc/thread-self/net/" + protocolName(protocol) + (ipv6 ? "6" : "");
    auto text = readWholeFile(path);
    if (!text) continue;
    for (BoundSocket& socket : parseSocketTable(*text, ipv6)) {
      if (socket.port != port || socket.inode == 0 || !socket.ipv4 || !bindsOverlap(*socket.ipv4, address)) continue;
      if (protocol == PortProtocol::udp || socket.state == kTcpListen) return socket;
      if (!found) found = std::move(socket);
    }
  }
  return found;
}

tl::unexpected<Error> inUse(in_addr address, uint16_t port, PortProtocol protocol, uint16_t containerPort) {
  std::string what = "host port " + hostPortText(address, port, protocol) + " is in use: ";
  std::string other = address.s_addr == INADDR_ANY ? "" : formatAddress(address) + ":";
  std::string remedy = "publish another host port (-p " + other +
                       "OTHER:" + (containerPort ? std::to_string(containerPort) : std::string("CTRPORT")) + ")";
  auto socket = findBoundSocket(address, port, protocol);
  if (!socket)
    return userError(
        what + "no socket of this network namespace holds it now (it may just have closed); try again, or " + remedy,
        EADDRINUSE);
  std::string bound = socket->address.find(':') == std::string::npos ? socket->address : "[" + socket->address + "]";
  bound += ":" + std::to_string(port);
  std::string verb = socket->state == kTcpListen && protocol == PortProtocol::tcp ? " listens on " : " is bound to ";
  auto holder = findSocketOwner(socket->inode);
  if (!holder)
    return userError(what + "a socket" + verb + bound +
                         " whose process is not to be seen from here (another PID namespace, or it has just exited); "
                         "stop it, or " +
                         remedy,
                     EADDRINUSE);
  return userError(
      what + holder->command + " (pid " + std::to_string(holder->pid) + ")" + verb + bound + "; stop it, or " + remedy,
      EADDRINUSE);
}

}  // namespace

Result<void> checkHostPortFree(in_addr address, uint16_t port, PortProtocol protocol, uint16_t containerPort) {
  bool tcp = protocol == PortProtocol::tcp;
  UniqueFd fd(socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return systemError("create a socket to try", hostPortText(address, port, protocol));
  int one = 1;
  if (tcp && setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    return systemError("set SO_REUSEADDR on the socket trying", hostPortText(address, port, protocol));
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(port);
  at.sin_addr = address;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) == 0) return {};
  int error = errno;
  if (error == EADDRINUSE) return inUse(address, port, protocol, containerPort);
  if (error == EADDRNOTAVAIL)
    return userError("the host address " + formatAddress(address) +
                         " is none of this host's: publish on one of its addresses, or on none for all of them",
                     EADDRNOTAVAIL);
  return systemError("bind a socket to", hostPortText(address, port, protocol), error);
}

std::optional<std::pair<uint16_t, uint16_t>> parseLocalPortRange(std::string_view text) {
  auto first = text::toU64(text::nextField(text));
  auto last = text::toU64(text::nextField(text));
  if (!first || !last || !text::trim(text).empty() || *first == 0 || *first > *last || *last > 65535)
    return std::nullopt;
  return std::pair{static_cast<uint16_t>(*first), static_cast<uint16_t>(*last)};
}

Result<uint16_t> pickFreeHostPort(in_addr address, PortProtocol protocol, const std::set<uint16_t>& taken) {
  auto text = readWholeFile(kLocalPortRange);
  if (!text) return tl::unexpected(text.error());
  auto range = parseLocalPortRange(*text);
  if (!range) return logicError("parse `" + std::string(text::trim(*text)) + "` in", kLocalPortRange);
  auto [first, last] = *range;
  unsigned count = last - first + 1u;
  std::random_device random;
  unsigned start = std::uniform_int_distribution<unsigned>(0, count - 1)(random);
  unsigned takenCount = 0;
  for (unsigned i = 0; i < count; ++i) {
    auto port = static_cast<uint16_t>(first + (start + i) % count);
    if (taken.count(port)) {
      ++takenCount;
      continue;
    }
    auto free = checkHostPortFree(address, port, protocol);
    if (free) return port;
    if (free.error().errnum != EADDRINUSE) return tl::unexpected(free.error());
  }
  return userError("no host port is free for " + formatAddress(address) + "/" + protocolName(protocol) + " in " +
                       std::to_string(first) + "-" + std::to_string(last) + " (net.ipv4.ip_local_port_range): " +
                       std::to_string(takenCount) + " published by containers, " + std::to_string(count - takenCount) +
                       " in use by others; remove containers or processes holding them, or publish fixed host ports "
                       "with -p HOSTPORT:CTRPORT",
                   ENOSPC);
}

}  // namespace agent::net
