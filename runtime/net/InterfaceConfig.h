#pragma once
// The few netlink writes a link needs once it exists: up, an IPv4 address, a default route
// (what `ip link set up`, `ip addr add`, `ip route add default via` send), in the namespace
// of the socket.
#include <netinet/in.h>

#include <string>
#include <string_view>

#include "Error.h"
#include "NetlinkSocket.h"

namespace agent::net {

// An IPv4 address with its prefix length, "10.88.0.2/16".
struct Ipv4Cidr {
  in_addr address{};
  unsigned prefixLength = 32;  // 1..32
  std::string text() const;
};

// "A.B.C.D/N" (N 1..32); a missing or bad part is a user error naming `what` ("the gateway
// address").
Result<Ipv4Cidr> parseIpv4Cidr(std::string_view text, std::string_view what);
// "A.B.C.D" alone.
Result<in_addr> parseIpv4(std::string_view text, std::string_view what);

// Sets IFF_UP on the link `linkIndex` (RTM_NEWLINK with the flag; already up is fine); `name`
// only says which in an error.
Result<void> setLinkUp(const NetlinkSocket& sock, int linkIndex, const std::string& name);
// Adds the address unless the link has it already (EEXIST is success: the same address).
Result<void> addIpv4Address(const NetlinkSocket& sock, int linkIndex, const Ipv4Cidr& address);
// 0.0.0.0/0 via `gateway` out of `linkIndex`, in the main table. The kernel refuses a gateway
// no address of the link reaches (ENETUNREACH).
Result<void> addDefaultRoute(const NetlinkSocket& sock, int linkIndex, in_addr gateway);

}  // namespace agent::net
