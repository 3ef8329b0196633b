#pragma once
// Whether a host port can be published, and who holds it when it cannot, in the network
// namespace of the CALLING THREAD (agentd calls these on a thread that joined the host's or a
// test's namespace with setns(2), while its other threads stay where they are):
//
// - The socket tables are read from /proc/thread-self/net/{tcp,tcp6,udp,udp6}: /proc/net is a
//   link to /proc/self/net, the namespace of the thread group leader, not of this thread.
// - Sysctls under /proc/sys/net are resolved by the namespace of the thread that opens them
//   (net_ctl_header_lookup uses current->nsproxy), so /proc/sys/net/ipv4/ip_local_port_range
//   read on this thread is this thread's namespace's range (a per-namespace sysctl; the host test
//   narrows it in its own namespace and reads the machine's unchanged).
// - The processes holding a socket are found in /proc/PID/fd of the caller's PID namespace: a
//   holder in another PID namespace is named by its address only.
#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "Error.h"
#include "NatTable.h"

namespace agent::net {

// bind(2)s a socket to address:port and closes it. TCP sets SO_REUSEADDR as servers do, so a
// connection lingering in TIME_WAIT does not count as a holder; UDP does not, since two UDP
// sockets that both set it may share a port, which would hide a holder that set it too.
// EADDRINUSE: a user error (EADDRINUSE) naming the holder from the socket tables and /proc:
//   "host port 8080/tcp is in use: nginx (pid 1234) listens on 0.0.0.0:8080; stop it, or publish
//   another host port (-p OTHER:80)" (`containerPort` 0: "-p OTHER:CTRPORT").
// EADDRNOTAVAIL: a user error, the address is none of this namespace's. Else a system error.
Result<void> checkHostPortFree(in_addr address, uint16_t port, PortProtocol protocol, uint16_t containerPort = 0);

// A port of net.ipv4.ip_local_port_range (Docker picks from the same range) that is not in
// `taken` (the ports other containers publish) and passes checkHostPortFree, trying from a
// random place in the range so that two agents asking at once seldom try the same port.
// ENOSPC, a user error, when every port of the range is taken or in use.
Result<uint16_t> pickFreeHostPort(in_addr address, PortProtocol protocol, const std::set<uint16_t>& taken);

// "32768\t60999\n" (the file's text): first and last port, or nothing for anything else.
std::optional<std::pair<uint16_t, uint16_t>> parseLocalPortRange(std::string_view text);

}  // namespace agent::net
