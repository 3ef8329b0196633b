#include "HostRoutes.h"

#include <arpa/inet.h>

#include <charconv>

#include "TextParse.h"

namespace agent::net {
namespace {

// Exactly eight hex digits, as the kernel's %08X prints: the address in network byte order
// read as a native u32; ntohl turns it into host order on either endianness.
std::optional<Ipv4Address> kernelHexAddress(std::string_view field) {
  uint32_t raw = 0;
  if (field.size() != 8) return std::nullopt;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), raw, 16);
  if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
  return Ipv4Address{ntohl(raw)};
}

// The prefix length of a contiguous mask (0xFFFF0000 is 16), or nothing.
std::optional<int> prefixLengthOf(uint32_t mask) {
  int length = __builtin_popcount(mask);
  if (prefixMask(length) != mask) return std::nullopt;
  return length;
}

std::optional<HostRoute> parseRouteLine(std::string_view line) {
  HostRoute route;
  route.interface = std::string(text::nextField(line));
  std::optional<Ipv4Address> destination = kernelHexAddress(text::nextField(line));
  std::optional<Ipv4Address> gateway = kernelHexAddress(text::nextField(line));
  std::string_view flags = text::nextField(line);
  for (int skipped = 0; skipped < 3; ++skipped) text::nextField(line);  // RefCnt, Use, Metric
  std::optional<Ipv4Address> mask = kernelHexAddress(text::nextField(line));
  if (route.interface.empty() || !destination || !gateway || !mask) return std::nullopt;
  std::optional<int> prefixLength = prefixLengthOf(mask->value);
  if (!prefixLength || flags.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(flags.data(), flags.data() + flags.size(), route.flags, 16);
  if (ec != std::errc() || end != flags.data() + flags.size()) return std::nullopt;
  route.destination = *destination;
  route.prefixLength = *prefixLength;
  route.gateway = *gateway;
  return route;
}

}  // namespace

std::vector<HostRoute> parseProcNetRoute(std::string_view text) {
  std::vector<HostRoute> routes;
  while (!text.empty()) {
    // The header ("Iface\tDestination...") fails the hex fields and is skipped as any bad line.
    if (std::optional<HostRoute> route = parseRouteLine(text::nextLine(text))) routes.push_back(std::move(*route));
  }
  return routes;
}

std::optional<HostRoute> overlappingRoute(const Ipv4Subnet& subnet, const std::vector<HostRoute>& routes,
                                          std::string_view bridgeInterface) {
  for (const HostRoute& route : routes) {
    if (route.isDefault()) continue;
    if (!bridgeInterface.empty() && route.interface == bridgeInterface) continue;
    if (prefixesOverlap(subnet.network(), subnet.prefixLength(), route.destination, route.prefixLength)) return route;
  }
  return std::nullopt;
}

Result<void> refuseSubnetOverlappingRoutes(const Ipv4Subnet& subnet, const std::vector<HostRoute>& routes,
                                           std::string_view bridgeInterface) {
  std::optional<HostRoute> route = overlappingRoute(subnet, routes, bridgeInterface);
  if (!route) return {};
  return userError("the bridge subnet " + subnet.text() + " overlaps the host's route " +
                       formatIpv4Address(route->destination) + "/" + std::to_string(route->prefixLength) + " on " +
                       route->interface + "; choose another subnet with `bridge_subnet:`",
                   EBUSY);
}

}  // namespace agent::net
