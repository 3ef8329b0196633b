#pragma once
// What the kernel says about one link, read back over netlink (RTM_GETLINK, RTM_GETADDR) in
// the calling thread's network namespace: for tests, metrics and ensureBridge's idempotence.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"
#include "NetlinkSocket.h"

namespace agent::net {

struct LinkState {
  int index = 0;                           // ifindex
  std::string kind;                        // IFLA_INFO_KIND: "bridge", "veth", "dummy"; empty for a physical NIC
  bool up = false;                         // IFF_UP: set administratively up (not the carrier)
  int masterIndex = 0;                     // IFLA_MASTER: the bridge it is enslaved to; 0 for none
  unsigned mtu = 0;                        // bytes
  std::string mac;                         // IFLA_ADDRESS, "02:ab:cd:ef:01:23"
  std::vector<std::string> ipv4Addresses;  // "10.88.0.1/16", as `ip -4 addr` prints them
};

// The link named `name` (<= 15 bytes, IFNAMSIZ - 1), or nullopt when there is none.
Result<std::optional<LinkState>> readLink(const NetlinkSocket& sock, std::string_view name);
Result<std::optional<LinkState>> readLink(std::string_view name);

// IPv4 addresses on the link `index`, "address/prefix".
Result<std::vector<std::string>> readIpv4Addresses(const NetlinkSocket& sock, int index);

}  // namespace agent::net
