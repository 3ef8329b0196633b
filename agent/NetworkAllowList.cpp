#include "NetworkAllowList.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace agent {

namespace {

tl::unexpected<Error> badNetwork(std::string_view text, const std::string& why) {
  return userError("`" + std::string(text) + "` is not a network: " + why +
                       "; give an address with a prefix length, e.g. 10.0.0.0/8, 127.0.0.1/32 or fd00::/8",
                   EINVAL);
}

bool matches(const uint8_t* address, const Network& network) {
  unsigned whole = network.prefix / 8, rest = network.prefix % 8;
  if (std::memcmp(address, network.address.data(), whole) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address[whole] & mask) == (network.address[whole] & mask);
}

}  // namespace

Result<Network> parseNetwork(std::string_view text) {
  size_t slash = text.find('/');
  std::string host(text.substr(0, slash));
  Network network;
  if (::inet_pton(AF_INET, host.c_str(), network.address.data()) == 1) {
    network.family = AF_INET;
  } else if (::inet_pton(AF_INET6, host.c_str(), network.address.data()) == 1) {
    network.family = AF_INET6;
  } else {
    return badNetwork(text, "`" + host + "` is no IPv4 or IPv6 address (host names are not taken)");
  }
  unsigned bits = network.family == AF_INET ? 32 : 128;
  network.prefix = bits;
  if (slash != std::string_view::npos) {
    std::string_view length = text.substr(slash + 1);
    auto [end, error] = std::from_chars(length.data(), length.data() + length.size(), network.prefix);
    if (length.empty() || error != std::errc() || end != length.data() + length.size() || network.prefix > bits) {
      return badNetwork(text, "the prefix length is a number from 0 to " + std::to_string(bits));
    }
  }
  for (unsigned bit = network.prefix; bit < bits; ++bit) {
    if (network.address[bit / 8] & (0x80 >> (bit % 8))) {
      return badNetwork(text, "it has address bits set beyond its /" + std::to_string(network.prefix) +
                                  " (did you mean another prefix length?)");
    }
  }
  return network;
}

bool NetworkAllowList::allows(const sockaddr* address) const {
  if (networks_.empty()) return true;
  const uint8_t* bytes = nullptr;
  int family = address->sa_family;
  if (family == AF_INET) {
    bytes = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(address)->sin_addr);
  } else if (family == AF_INET6) {
    const auto* six = &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    bytes = reinterpret_cast<const uint8_t*>(six);
    if (IN6_IS_ADDR_V4MAPPED(six)) {
      family = AF_INET;
      bytes += 12;
    }
  } else {
    return false;
  }
  for (const auto& network : networks_) {
    if (network.family == family && matches(bytes, network)) return true;
  }
  return false;
}

}  // namespace agent
