#pragma once
// A bridge port's hairpin mode (`ip link set VETH type bridge_slave hairpin on`, IFLA_BRPORT_MODE
// in the port's IFLA_PROTINFO; Documentation/networking/bridge.rst): the bridge may send a frame
// back out of the port it came in by. A container that reaches its own published port has its
// packet DNATed back to itself; without hairpin the bridge drops it at its own port. Docker
// sets it on every veth when its userland proxy is off.
#include <string_view>

#include "Error.h"

namespace agent::net {

// Sets hairpin on the bridge port `portName` in the calling thread's network namespace.
// Errors: ENODEV when there is no such link; the kernel's EOPNOTSUPP/EINVAL for a link that is
// not a bridge port.
Result<void> enableHairpin(std::string_view portName);

// A container's host-side veth `portName` back on the bridge `bridge` after the bridge was
// deleted and made again (`ip link del agent0` takes its ports off it): enslaved, up, hairpin.
// False when there is no such link (its container has stopped), or it is on the bridge already.
Result<bool> rejoinBridge(std::string_view portName, std::string_view bridge);

}  // namespace agent::net
