#pragma once
// The kernel's socket tables /proc/net/tcp, tcp6, udp and udp6 (Documentation/networking/
// proc_net_tcp.rst), parsed from their text: one line per socket of the reader's network
// namespace, "sl local_address rem_address st ... uid timeout inode ...". Addresses are the
// in-memory words printed in hex (%08X of the network-order word: 127.0.0.1 is 0100007F on a
// little-endian host), so they are read back into the same words; ports are host order.
#include <netinet/in.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agent::net {

constexpr unsigned kTcpListen = 0x0A;  // TCP_LISTEN in the `st` column

struct BoundSocket {
  std::string address;  // as the kernel holds it: "0.0.0.0", "127.0.0.1", "::", "::ffff:10.0.0.1", "::1"
  // The IPv4 addresses its bind covers: its own, the IPv4 of a v4-mapped IPv6 address, every one
  // (INADDR_ANY) for "::" (a dual-stack socket, unless IPV6_V6ONLY, which the table does not
  // show); none for another IPv6 address.
  std::optional<in_addr> ipv4;
  uint16_t port = 0;
  unsigned state = 0;  // TCP states (include/net/tcp_states.h); udp: 07 unconnected, 01 connected
  ino_t inode = 0;     // of "socket:[INODE]"; 0 for a socket no file holds (TIME_WAIT)
};

// Every line that parses, the header skipped; `ipv6` for tcp6 and udp6. Lines that do not parse
// are skipped rather than failing the table: kernels add columns.
std::vector<BoundSocket> parseSocketTable(std::string_view text, bool ipv6);

// Whether two IPv4 binds of one port would collide: the same address, or either on every address.
bool bindsOverlap(in_addr a, in_addr b);

}  // namespace agent::net
