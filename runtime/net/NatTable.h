#pragma once
// The agent's own nftables table for bridge networking, as the text of an nft script rendered
// from a desired state (the same state always gives the same text, whatever the order of its
// ports). What the rules do and why (docs: nft(8), Docker's and kube-proxy's iptables rules):
//
//   prerouting  (nat, dstnat -100)  fib daddr type local → published: DNAT of packets to a local
//                                   address and a published port (other hosts, and containers
//                                   reaching the host's address: hairpin).
//   output      (nat, -100)         the same for connections the host itself opens, 127.0.0.1
//                                   included ("dstnat" is no name nft 1.0.6 accepts in output).
//   published   (regular)           one DNAT rule per port: [ip daddr HOSTIP] PROTO dport HOSTPORT
//                                   dnat to CONTAINER:PORT.
//   postrouting (nat, srcnat 100)   MASQUERADE of the subnet leaving by another interface than
//                                   the bridge (Docker: -s SUBNET ! -o docker0 -j MASQUERADE);
//                                   hairpin: MASQUERADE of subnet → subnet that was DNATed, else
//                                   the server would answer its neighbour directly over the
//                                   bridge, past the conntrack entry that must undo the DNAT;
//                                   MASQUERADE of loopback sources leaving by the bridge: a
//                                   127.0.0.1 → published port connection keeps source 127.0.0.1
//                                   after DNAT, which the container would drop as a martian.
//   input       (filter, 0)         drop of new connections from the bridge to 127.0.0.0/8:
//                                   routing a loopback source out of the bridge needs
//                                   route_localnet=1 on the bridge (NatSysctls.h), which would
//                                   otherwise let a container reach the host's 127.0.0.1-only
//                                   services (CVE-2020-8558, the rule kube-proxy added for it).
//                                   Established and related packets pass: the container's
//                                   answers to 127.0.0.1, once the MASQUERADE is undone.
//
// The bridge's side: a container reaching its own published port needs its bridge port in
// hairpin mode (`ip link set VETH type bridge_slave hairpin on`, what Docker does without its
// userland proxy). Where br_netfilter is loaded (Docker loads it; bridge-nf-call-iptables is 1
// in every new namespace), the bridge runs these hooks itself, sees the DNATed packet's new
// destination behind the port it came in by, and drops it there unless the port hairpins.
//
// No forward chain: an accept in one nftables table is not final, the packet still passes every
// other table's base chain on the hook, so our own accept cannot open a forward policy of drop
// set by someone else (iptables' FORWARD DROP that Docker sets, a firewalld zone); a policy of
// accept in our own table would change nothing.
//
// The text is what `nft list table ip NAME` prints back for it (tabs, blank lines between
// chains), so a listing can be compared with the rendering.
#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "Error.h"

namespace agent::net {

enum class PortProtocol { tcp, udp };

// One `-p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]`.
struct PublishedPort {
  in_addr hostAddress{};  // INADDR_ANY (0.0.0.0): every local address of the host, 127.0.0.1 included
  uint16_t hostPort = 0;  // 1..65535
  PortProtocol protocol = PortProtocol::tcp;
  in_addr containerAddress{};  // in the bridge's subnet
  uint16_t containerPort = 0;  // 1..65535
};

struct NatTableState {
  std::string tableName = "agent";  // family ip; letters, digits, '_', first a letter, ≤ 32
  std::string bridgeName;           // the bridge's interface name, 1..15 bytes (IFNAMSIZ - 1)
  in_addr subnet{};                 // the bridge's network address
  unsigned prefixLength = 16;       // 1..32
  std::vector<PublishedPort> ports;
};

// The comment the table carries: how agentd knows a table of that name is its own (and never
// rewrites or deletes one that is not: `nat_table: filter` must not take iptables-nft's).
inline constexpr const char* kNatTableComment = "agentd: bridge networking (docs/networking.md)";

// The `table ip NAME { ... }` block, or a user error (one sentence) for a state no table should
// be made from: a bad name, a port 0, a container address outside the subnet, two ports on the
// same host address (or one of them on every address), host port and protocol.
Result<std::string> renderNatTable(const NatTableState& state);

// The table name alone (for a table to list or delete): the same user error as renderNatTable's.
Result<void> checkNatTableName(const std::string& tableName);

std::string protocolName(PortProtocol protocol);
std::string formatAddress(in_addr address);

}  // namespace agent::net
