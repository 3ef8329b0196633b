#pragma once
// The host's IPv4 routes as /proc/net/route shows them, and the check that the bridge's
// subnet takes no address the host already reaches through another interface: a container
// at 10.0.0.5 on a bridge overlapping the host's 10.0.0.0/8 would hide 10.0.0.5 of the real
// network from the host, and answers to the containers would leave by the wrong link.
// Docker checks the same over netlink's IPv4 routes (libnetwork's netutils.CheckRouteOverlaps).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"
#include "Ipv4Address.h"
#include "Ipv4Subnet.h"

namespace agent::net {

// One line of /proc/net/route.
struct HostRoute {
  std::string interface;  // "eth0"; "*" for a route with no device (unreachable, blackhole)
  Ipv4Address destination;
  int prefixLength = 0;  // from the Mask column; 0 with destination 0.0.0.0 is the default route
  Ipv4Address gateway;   // 0.0.0.0 for a directly connected network
  unsigned flags = 0;    // RTF_* of <linux/route.h>: RTF_UP 0x1, RTF_GATEWAY 0x2, RTF_REJECT 0x200

  bool isDefault() const { return destination.value == 0 && prefixLength == 0; }
};

// The text of /proc/net/route (read elsewhere: this never opens a file). The kernel prints,
// per route of the main table (net/ipv4/fib_trie.c, fib_route_seq_show), after one header
// line: "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u" = Iface, Destination, Gateway,
// Flags, RefCnt, Use, Metric, Mask, MTU, Window, IRTT, padded with spaces to 127 columns.
// Destination, Gateway and Mask are the network-order (big-endian) address read as a native
// u32, so on x86 192.0.2.0 prints as 000200C0. The header, lines that do not parse and masks
// that are not contiguous are skipped. Only the main routing table is shown there: routes
// of other tables (policy routing) and local addresses (table local) are not.
std::vector<HostRoute> parseProcNetRoute(std::string_view text);

// The first route, in the order given, that shares an address with `subnet`, skipping the
// default route (it overlaps everything, and a bridge beside it is what NAT is for) and
// routes through `bridgeInterface` (the agent's own bridge, left from an earlier agentd,
// holds the route of this very subnet).
std::optional<HostRoute> overlappingRoute(const Ipv4Subnet& subnet, const std::vector<HostRoute>& routes,
                                          std::string_view bridgeInterface = {});

// The config load's check: nothing when no route overlaps, else the sentence
// "the bridge subnet 10.0.0.0/16 overlaps the host's route 10.0.0.0/8 on eth0; choose
// another subnet with `bridge_subnet:`".
Result<void> refuseSubnetOverlappingRoutes(const Ipv4Subnet& subnet, const std::vector<HostRoute>& routes,
                                           std::string_view bridgeInterface = {});

}  // namespace agent::net
