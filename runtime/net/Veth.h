#pragma once
// A container's link to the bridge (issue 15): a veth pair, the host side enslaved to the
// bridge, the peer moved into the container's network namespace as eth0 with its address and
// the bridge's address as default route; what Docker's bridge driver and netavark do.
#include <optional>
#include <string>
#include <string_view>

#include "Error.h"

namespace agent::net {

// "veth" + the first 8 characters of the container id: 12 bytes, within IFNAMSIZ - 1 (15),
// as Docker's "veth" + 7 hex. Ids are hex, so the name is too.
std::string hostVethName(std::string_view containerId);

struct VethAttachment {
  std::string bridge;           // the bridge's name, in the caller's network namespace
  int containerNetnsFd = -1;    // an open fd of the container's network namespace (/proc/PID/ns/net)
  std::string hostVeth;         // the host side's name (hostVethName), <= 15 bytes
  std::string address;          // eth0's address with the subnet's prefix, "10.88.0.5/16"
  std::string gateway;          // the bridge's address, "10.88.0.1": the default route's next hop
  std::optional<unsigned> mtu;  // bytes, both sides; the kernel's default (1500) when empty
};

// Creates the pair in one RTM_NEWLINK (the peer born in the container's namespace through
// IFLA_NET_NS_FD, named eth0, so it never shows in the host's; the host side already enslaved
// to the bridge and up), then, from a netlink socket opened inside the container's namespace
// (runInNetworkNamespace: the calling thread never moves), gives eth0 its address, sets lo
// and eth0 up and adds the default route. Any failure deletes the pair: nothing is left.
// Errors: EEXIST when the host name is taken (by anything: that link is not touched) or the
// container has an eth0 already; ENODEV when the bridge is missing; a user error for a bad
// address or name, or a bridge name that is not a bridge's.
Result<void> attachContainer(const VethAttachment& attachment);

// Deletes the host side; the kernel deletes the peer with it. An absent link is success (a
// second rm, a container whose namespace died and took the pair along). A link of that name
// that is not a veth is refused and left alone.
Result<void> detachContainer(std::string_view hostVeth);

}  // namespace agent::net
