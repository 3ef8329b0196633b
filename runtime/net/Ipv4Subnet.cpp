#include "Ipv4Subnet.h"

#include "TextParse.h"

namespace agent::net {
namespace {

constexpr std::string_view kExample = "172.30.0.0/16";

std::string quoted(std::string_view text) {
  return "`" + std::string(text) + "`";
}

}  // namespace

Result<Ipv4Subnet> Ipv4Subnet::parse(std::string_view cidr) {
  std::string said = "the bridge subnet " + quoted(cidr);
  if (cidr.find(':') != std::string_view::npos)
    return userError(said + " is IPv6; the bridge takes an IPv4 subnet in CIDR notation, such as " +
                     std::string(kExample));
  size_t slash = cidr.find('/');
  std::optional<Ipv4Address> network = parseIpv4Address(cidr.substr(0, slash));
  std::string_view lengthText = slash == std::string_view::npos ? std::string_view() : cidr.substr(slash + 1);
  // Digits only, no leading zero: toU64 trims " 16", and neither that nor "016" is CIDR.
  bool digitsOnly = !lengthText.empty() && lengthText.size() <= 2 &&
                    lengthText.find_first_not_of("0123456789") == std::string_view::npos &&
                    (lengthText.size() == 1 || lengthText.front() != '0');
  std::optional<uint64_t> length = digitsOnly ? text::toU64(lengthText) : std::nullopt;
  if (!network || !length || *length > 32)
    return userError(said + " is not an IPv4 subnet in CIDR notation (address/prefix length); give one such as " +
                     std::string(kExample));
  int prefixLength = static_cast<int>(*length);
  if (prefixLength < kLargestPrefix)
    return userError(said + " is larger than a /8; give a prefix length from /8 to /30, such as " +
                     std::string(kExample));
  if (prefixLength > kSmallestPrefix)
    return userError(said + " leaves no address for a container beside the bridge's own; give a prefix length from " +
                     "/8 to /30, such as " + std::string(kExample));
  if ((network->value & prefixMask(prefixLength)) != network->value) {
    Ipv4Subnet meant(Ipv4Address{network->value & prefixMask(prefixLength)}, prefixLength);
    return userError(said + " has host bits set; give its network address, " + meant.text());
  }
  uint32_t firstOctet = network->value >> 24;
  if (firstOctet == 0 || firstOctet == 127 || firstOctet >= 224)
    return userError(said + " is in a block reserved for " +
                     (firstOctet == 0     ? std::string("\"this network\"")
                      : firstOctet == 127 ? std::string("loopback")
                                          : std::string("multicast and future use")) +
                     "; give a private subnet such as " + std::string(kExample));
  return Ipv4Subnet(*network, prefixLength);
}

std::string Ipv4Subnet::text() const {
  return formatIpv4Address(network_) + "/" + std::to_string(prefixLength_);
}

}  // namespace agent::net
