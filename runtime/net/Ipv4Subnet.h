#pragma once
// The bridge's IPv4 subnet (`bridge_subnet:` in the config, e.g. 172.30.0.0/16): the bridge
// holds the first usable address (the gateway, .1, as Docker's docker0 and podman's netavark
// give theirs), containers get the others; the network address and the broadcast address
// are never given to anyone (RFC 919/922: all-zeros and all-ones host parts).
#include <cstdint>
#include <string>
#include <string_view>

#include "Error.h"
#include "Ipv4Address.h"

namespace agent::net {

class Ipv4Subnet {
 public:
  // The smallest and largest prefix a bridge takes: a /8 is the largest private block
  // (10.0.0.0/8); a /30 is the smallest with one container address beside the gateway
  // (a /31 or /32 has no room, RFC 3021 point-to-point links aside).
  static constexpr int kLargestPrefix = 8;
  static constexpr int kSmallestPrefix = 30;

  // "172.30.0.0/16". Refused, each with a sentence saying what to give instead: text that
  // is not IPv4 CIDR (garbage, IPv6, no "/length"), host bits set (172.30.0.1/16), a prefix
  // shorter than /8 or longer than /30, and the blocks no bridge can use (0.0.0.0/8 "this
  // network", 127.0.0.0/8 loopback, 224.0.0.0 and above multicast and reserved: RFC 6890).
  static Result<Ipv4Subnet> parse(std::string_view cidr);

  Ipv4Address network() const { return network_; }
  int prefixLength() const { return prefixLength_; }
  uint32_t mask() const { return prefixMask(prefixLength_); }
  Ipv4Address broadcast() const { return Ipv4Address{network_.value | ~mask()}; }
  // The bridge's own address, the containers' default route: the first usable one.
  Ipv4Address gateway() const { return Ipv4Address{network_.value + 1}; }

  // The addresses a container may hold: from gateway+1 to broadcast-1, both included.
  Ipv4Address firstContainerAddress() const { return Ipv4Address{network_.value + 2}; }
  Ipv4Address lastContainerAddress() const { return Ipv4Address{broadcast().value - 1}; }
  uint32_t containerAddressCount() const { return lastContainerAddress().value - firstContainerAddress().value + 1; }
  bool isContainerAddress(Ipv4Address address) const {
    return address >= firstContainerAddress() && address <= lastContainerAddress();
  }
  bool contains(Ipv4Address address) const { return (address.value & mask()) == network_.value; }

  // "172.30.0.0/16"
  std::string text() const;

  bool operator==(const Ipv4Subnet&) const = default;

 private:
  Ipv4Subnet(Ipv4Address network, int prefixLength) : network_(network), prefixLength_(prefixLength) {}

  Ipv4Address network_;
  int prefixLength_ = 0;
};

}  // namespace agent::net
