#pragma once
// The containers' bridge (issue 15, `--net bridge`): a Linux bridge in the caller's network
// namespace holding the subnet's gateway address, as Docker's docker0 or netavark's podman0.
// It is made at first use and kept: agentd restarting finds it and leaves it as it is.
#include <string_view>

#include "Error.h"

namespace agent::net {

// Makes sure the bridge `name` (<= 15 bytes) exists, has `gatewayCidr` ("10.88.0.1/16": the
// gateway address with the subnet's prefix) and is up; returns its ifindex.
// - absent: created (RTM_NEWLINK kind "bridge", STP off as the kernel's default, a random
//   MAC of its own so that the gateway's MAC does not follow its ports), given the address,
//   set up;
// - a bridge already: kept; the address is added if it lacks it (other addresses someone put
//   there are left alone), set up if down;
// - another kind of link by that name (a veth, a NIC): refused with a sentence, untouched.
Result<int> ensureBridge(std::string_view name, std::string_view gatewayCidr);

}  // namespace agent::net
