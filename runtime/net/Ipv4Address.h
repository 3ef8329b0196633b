#pragma once
// An IPv4 address as a number in host byte order, so that "the next address" is `value + 1`
// and a subnet's mask is arithmetic. Text is the dotted quad of inet_ntoa(3) and nothing
// else: no leading zeros ("010" is octal to inet_aton), no shorthand ("10.1" is 10.0.0.1 to
// inet_aton), since lease files are named by this text and one address must have one name.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agent::net {

struct Ipv4Address {
  uint32_t value = 0;  // host byte order: 172.30.0.2 is 0xAC1E0002

  auto operator<=>(const Ipv4Address&) const = default;
};

// "172.30.0.2": four decimal octets 0-255 without leading zeros, nothing around them.
std::optional<Ipv4Address> parseIpv4Address(std::string_view text);
std::string formatIpv4Address(Ipv4Address address);

// The mask of a prefix length 0-32 in host byte order: 16 is 0xFFFF0000.
constexpr uint32_t prefixMask(int prefixLength) {
  return prefixLength <= 0 ? 0u : prefixLength >= 32 ? 0xFFFFFFFFu : ~((1u << (32 - prefixLength)) - 1u);
}

// Whether two address ranges given as network and prefix length share any address: ranges of
// prefixes are nested or disjoint, so they overlap when they agree on the shorter prefix.
constexpr bool prefixesOverlap(Ipv4Address a, int aLength, Ipv4Address b, int bLength) {
  uint32_t mask = prefixMask(aLength < bLength ? aLength : bLength);
  return (a.value & mask) == (b.value & mask);
}

}  // namespace agent::net
