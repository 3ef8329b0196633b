#pragma once
// `metrics_allow`: the networks (CIDR, IPv4 or IPv6) whose clients the metrics port serves.
// The server checks each connection's source address at accept, before it reads a byte:
// a client from elsewhere is closed at once. An empty list allows every address.
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent {

struct Network {
  int family = AF_INET;               // AF_INET or AF_INET6
  std::array<uint8_t, 16> address{};  // network byte order; IPv4 in the first 4 bytes
  unsigned prefix = 0;                // bits that must match
};

// "10.0.0.0/8", "127.0.0.1" (a /32), "::1/128", "fd00::/8". Host bits set beyond the prefix
// ("10.1.2.3/8") are refused: the writer probably meant another prefix.
Result<Network> parseNetwork(std::string_view text);

class NetworkAllowList {
 public:
  NetworkAllowList() = default;
  explicit NetworkAllowList(std::vector<Network> networks) : networks_(std::move(networks)) {}
  // True for an address in one of the networks, or for any address when the list is empty.
  // An IPv4-mapped IPv6 source (::ffff:10.0.0.1) is matched as the IPv4 address it is.
  bool allows(const sockaddr* address) const;
  bool empty() const { return networks_.empty(); }

 private:
  std::vector<Network> networks_;
};

}  // namespace agent
