#include "NatTable.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <tuple>

namespace agent::net {
namespace {

uint32_t hostOrder(in_addr address) {
  return ntohl(address.s_addr);
}

uint32_t prefixMask(unsigned length) {
  return length >= 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> length);
}

bool isNftIdentifier(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  if (!std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// What the kernel takes as a link name (dev_valid_name), minus what would need quoting in nft.
bool isInterfaceName(const std::string& name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

std::string describe(const PublishedPort& port) {
  std::string host = port.hostAddress.s_addr == INADDR_ANY ? "" : formatAddress(port.hostAddress) + ":";
  return host + std::to_string(port.hostPort) + ":" + std::to_string(port.containerPort) + "/" +
         protocolName(port.protocol);
}

Result<void> checkState(const NatTableState& state) {
  if (auto name = checkNatTableName(state.tableName); !name) return name;
  if (!isInterfaceName(state.bridgeName))
    return userError("The bridge name `" + state.bridgeName +
                     "` is no interface name: use 1 to 15 letters, digits, '_', '-' or '.'.");
  if (state.prefixLength < 1 || state.prefixLength > 32)
    return userError("The bridge's subnet prefix length " + std::to_string(state.prefixLength) +
                     " is outside 1..32: give the subnet as A.B.C.D/N, for example 172.30.0.0/16.");
  uint32_t mask = prefixMask(state.prefixLength);
  for (size_t i = 0; i < state.ports.size(); ++i) {
    const PublishedPort& port = state.ports[i];
    if (port.hostPort == 0 || port.containerPort == 0)
      return userError("The published port " + describe(port) + " has a port 0: ports are 1 to 65535.");
    if ((hostOrder(port.containerAddress) & mask) != (hostOrder(state.subnet) & mask))
      return userError("The published port " + describe(port) + " goes to " + formatAddress(port.containerAddress) +
                       ", outside the bridge's subnet: publish only ports of containers on the bridge.");
    for (size_t j = 0; j < i; ++j) {
      const PublishedPort& other = state.ports[j];
      bool sameAddress = port.hostAddress.s_addr == other.hostAddress.s_addr || port.hostAddress.s_addr == INADDR_ANY ||
                         other.hostAddress.s_addr == INADDR_ANY;
      if (sameAddress && port.hostPort == other.hostPort && port.protocol == other.protocol)
        return userError("The published ports " + describe(other) + " and " + describe(port) +
                             " take the same host port: give one of them another host port.",
                         EBUSY);
    }
  }
  return {};
}

// A canonical order, so that the text does not depend on the order the caller found its
// containers in. Ports do not overlap (checkState), so the order changes no verdict.
std::vector<PublishedPort> sortedPorts(std::vector<PublishedPort> ports) {
  auto key = [](const PublishedPort& p) {
    return std::make_tuple(p.protocol, p.hostPort, hostOrder(p.hostAddress), hostOrder(p.containerAddress),
                           p.containerPort);
  };
  std::sort(ports.begin(), ports.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  return ports;
}

std::string dnatRule(const PublishedPort& port) {
  std::string rule = "\t\t";
  if (port.hostAddress.s_addr != INADDR_ANY) rule += "ip daddr " + formatAddress(port.hostAddress) + " ";
  rule += protocolName(port.protocol) + " dport " + std::to_string(port.hostPort) + " dnat to " +
          formatAddress(port.containerAddress) + ":" + std::to_string(port.containerPort) + "\n";
  return rule;
}

}  // namespace

Result<void> checkNatTableName(const std::string& tableName) {
  if (isNftIdentifier(tableName)) return {};
  return userError("The nftables table name `" + tableName +
                   "` is not a plain name: use up to 32 letters, digits or '_', starting with a letter.");
}

Result<std::string> renderNatTable(const NatTableState& state) {
  if (auto checked = checkState(state); !checked) return tl::unexpected(checked.error());
  in_addr network{htonl(hostOrder(state.subnet) & prefixMask(state.prefixLength))};
  std::string subnet = formatAddress(network) + "/" + std::to_string(state.prefixLength);
  std::string bridge = "\"" + state.bridgeName + "\"";

  std::string text = "table ip " + state.tableName + " {\n";
  text += "\tcomment \"" + std::string(kNatTableComment) + "\"\n";
  text += "\tchain prerouting {\n";
  text += "\t\ttype nat hook prerouting priority dstnat; policy accept;\n";
  text += "\t\tfib daddr type local jump published\n";
  text += "\t}\n\n";
  text += "\tchain output {\n";
  text += "\t\ttype nat hook output priority -100; policy accept;\n";
  text += "\t\tfib daddr type local jump published\n";
  text += "\t}\n\n";
  text += "\tchain published {\n";
  for (const PublishedPort& port : sortedPorts(state.ports)) text += dnatRule(port);
  text += "\t}\n\n";
  text += "\tchain postrouting {\n";
  text += "\t\ttype nat hook postrouting priority srcnat; policy accept;\n";
  text += "\t\tip saddr " + subnet + " oifname != " + bridge + " masquerade\n";
  text += "\t\tip saddr " + subnet + " ip daddr " + subnet + " ct status dnat masquerade\n";
  text += "\t\toifname " + bridge + " ip saddr 127.0.0.0/8 masquerade\n";
  text += "\t}\n\n";
  text += "\tchain input {\n";
  text += "\t\ttype filter hook input priority filter; policy accept;\n";
  text += "\t\tiifname " + bridge + " ip daddr 127.0.0.0/8 ct state != { established, related } drop\n";
  text += "\t}\n";
  text += "}\n";
  return text;
}

}  // namespace agent::net
