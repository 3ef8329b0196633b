#pragma once
// The two sysctls bridge networking needs, written in the network namespace of the calling
// thread (/proc/sys/net is per namespace and resolved by the thread that opens it):
//
// - net.ipv4.ip_forward = 1: without it the host routes nothing between the bridge and its
//   other interfaces (Docker and netavark set it too). Writing it also sets every interface's
//   `forwarding` (ip-sysctl.rst).
// - net.ipv4.conf.BRIDGE.route_localnet = 1: lets a packet with a loopback source leave by the
//   bridge, which a connection to 127.0.0.1:HOSTPORT becomes after the output chain's DNAT; the
//   kernel otherwise refuses that route (__mkroute_output: EINVAL) and the connect fails.
//   kube-proxy does the same; Docker does it when its userland proxy is off. The table's
//   MASQUERADE of 127.0.0.0/8 sources then gives the container a source it can answer, and its
//   input rule drops what a container sends to 127.0.0.0/8 (NatTable.h).
#include <string>

#include "Error.h"

namespace agent::net {

Result<void> enableIpv4Forwarding();
Result<void> enableRouteLocalnet(const std::string& bridgeName);

}  // namespace agent::net
