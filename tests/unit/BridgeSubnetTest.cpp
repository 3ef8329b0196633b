// The bridge's subnet as the config gives it, and the host routes it must not overlap.
#include <gtest/gtest.h>

#include "FixtureTree.h"
#include "HostRoutes.h"
#include "Ipv4Subnet.h"

using namespace agent::net;
using agent::fixture::capturedText;

namespace {

Ipv4Address address(std::string_view text) {
  return parseIpv4Address(text).value();
}

Ipv4Subnet subnet(std::string_view text) {
  return Ipv4Subnet::parse(text).value();
}

// The sentence a refused subnet gets; fails the test if it was accepted.
std::string refusal(std::string_view cidr) {
  auto parsed = Ipv4Subnet::parse(cidr);
  if (parsed) return "accepted as " + parsed->text();
  EXPECT_TRUE(parsed.error().sentence) << cidr;
  EXPECT_EQ(parsed.error().errnum, EINVAL) << cidr;
  return parsed.error().message();
}

}  // namespace

TEST(Ipv4Address, DottedQuadBothWays) {
  EXPECT_EQ(parseIpv4Address("172.30.0.2"), Ipv4Address{0xAC1E0002});
  EXPECT_EQ(parseIpv4Address("0.0.0.0"), Ipv4Address{0});
  EXPECT_EQ(parseIpv4Address("255.255.255.255"), Ipv4Address{0xFFFFFFFF});
  EXPECT_EQ(formatIpv4Address(Ipv4Address{0xAC1E0002}), "172.30.0.2");
  EXPECT_EQ(formatIpv4Address(Ipv4Address{0xFFFFFFFF}), "255.255.255.255");
}

TEST(Ipv4Address, OneTextPerAddress) {
  // Lease files are named by this text: a second spelling would be a second file.
  for (std::string_view bad :
       {"", "172.30.0", "172.30.0.2.1", "172.30.0.256", "172.30.0.02", "172.030.0.2", "172..0.2", "172.30.0.2 ",
        " 172.30.0.2", "172.30.0.-2", "172.30.0.+2", "0x1.2.3.4", "1.2.3.4/32", "1234.1.1.1"})
    EXPECT_FALSE(parseIpv4Address(bad)) << bad;
}

TEST(Ipv4Subnet, GatewayAndContainerAddresses) {
  Ipv4Subnet net = subnet("172.30.0.0/16");
  EXPECT_EQ(net.text(), "172.30.0.0/16");
  EXPECT_EQ(net.prefixLength(), 16);
  EXPECT_EQ(net.mask(), 0xFFFF0000u);
  EXPECT_EQ(net.network(), address("172.30.0.0"));
  EXPECT_EQ(net.gateway(), address("172.30.0.1"));
  EXPECT_EQ(net.broadcast(), address("172.30.255.255"));
  EXPECT_EQ(net.firstContainerAddress(), address("172.30.0.2"));
  EXPECT_EQ(net.lastContainerAddress(), address("172.30.255.254"));
  EXPECT_EQ(net.containerAddressCount(), 65533u);
  EXPECT_FALSE(net.isContainerAddress(address("172.30.0.0")));
  EXPECT_FALSE(net.isContainerAddress(address("172.30.0.1")));
  EXPECT_TRUE(net.isContainerAddress(address("172.30.0.255")));  // not a broadcast in a /16
  EXPECT_FALSE(net.isContainerAddress(address("172.30.255.255")));
  EXPECT_FALSE(net.isContainerAddress(address("172.31.0.2")));
  EXPECT_TRUE(net.contains(address("172.30.255.255")));
  EXPECT_FALSE(net.contains(address("172.31.0.0")));
}

TEST(Ipv4Subnet, SmallestAndLargest) {
  Ipv4Subnet smallest = subnet("192.168.7.4/30");
  EXPECT_EQ(smallest.gateway(), address("192.168.7.5"));
  EXPECT_EQ(smallest.firstContainerAddress(), address("192.168.7.6"));
  EXPECT_EQ(smallest.lastContainerAddress(), address("192.168.7.6"));
  EXPECT_EQ(smallest.broadcast(), address("192.168.7.7"));
  EXPECT_EQ(smallest.containerAddressCount(), 1u);
  Ipv4Subnet largest = subnet("10.0.0.0/8");
  EXPECT_EQ(largest.containerAddressCount(), (1u << 24) - 3);
  EXPECT_EQ(largest.lastContainerAddress(), address("10.255.255.254"));
}

TEST(Ipv4Subnet, RefusedWithWhatToGive) {
  EXPECT_EQ(refusal("172.30.0.1/16"),
            "the bridge subnet `172.30.0.1/16` has host bits set; give its network address, 172.30.0.0/16");
  EXPECT_EQ(refusal("10.0.0.0/7"),
            "the bridge subnet `10.0.0.0/7` is larger than a /8; give a prefix length from /8 to /30, such as "
            "172.30.0.0/16");
  EXPECT_EQ(refusal("0.0.0.0/0"), refusal("0.0.0.0/0"));  // the same sentence every time
  EXPECT_NE(refusal("0.0.0.0/0").find("larger than a /8"), std::string::npos);
  EXPECT_NE(refusal("192.168.7.6/31").find("leaves no address for a container"), std::string::npos);
  EXPECT_NE(refusal("192.168.7.6/32").find("leaves no address for a container"), std::string::npos);
  EXPECT_EQ(refusal("fd00::/64"),
            "the bridge subnet `fd00::/64` is IPv6; the bridge takes an IPv4 subnet in CIDR notation, such as "
            "172.30.0.0/16");
  EXPECT_EQ(refusal("bridge"),
            "the bridge subnet `bridge` is not an IPv4 subnet in CIDR notation (address/prefix length); give one "
            "such as 172.30.0.0/16");
  for (std::string_view garbage :
       {"", "172.30.0.0", "172.30.0.0/", "172.30.0.0/abc", "172.30.0.0/016", "172.30.0.0/ 16", "172.30.0.0/+16",
        "172.30.0.0/33", "172.30.0.0/16/8", " 172.30.0.0/16", "172.30.0.0/16 ", "256.0.0.0/8", "172.30.0/16"})
    EXPECT_NE(refusal(garbage).find("is not an IPv4 subnet in CIDR notation"), std::string::npos) << garbage;
  EXPECT_NE(refusal("127.0.0.0/8").find("reserved for loopback"), std::string::npos);
  EXPECT_NE(refusal("0.0.0.0/8").find("reserved for \"this network\""), std::string::npos);
  EXPECT_NE(refusal("224.0.0.0/8").find("reserved for multicast"), std::string::npos);
  EXPECT_NE(refusal("240.1.0.0/16").find("reserved for multicast"), std::string::npos);
}

TEST(ProcNetRoute, ThisHost) {
  // cat /proc/net/route on the machine that wrote this test (a VM on 192.0.2.0/24).
  auto routes = parseProcNetRoute(capturedText("proc/net.route.host"));
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].interface, "eth0");
  EXPECT_TRUE(routes[0].isDefault());
  EXPECT_EQ(routes[0].gateway, address("192.0.2.1"));
  EXPECT_EQ(routes[0].flags, 0x3u);  // RTF_UP | RTF_GATEWAY
  EXPECT_EQ(routes[1].interface, "eth0");
  EXPECT_EQ(routes[1].destination, address("192.0.2.0"));
  EXPECT_EQ(routes[1].prefixLength, 24);
  EXPECT_EQ(routes[1].gateway, address("0.0.0.0"));
  EXPECT_FALSE(routes[1].isDefault());
}

TEST(ProcNetRoute, RoutesOfEveryKind) {
  // Made in a fresh network namespace (unshare -n): veths eth0 10.20.0.1/16 and wg0
  // 192.168.77.2/24, a bridge agent0 172.30.0.1/16, "default via 10.20.0.254 metric 100",
  // "100.64.0.0/10 via 192.168.77.1", "blackhole 198.51.100.0/24", "unreachable 203.0.113.7".
  auto routes = parseProcNetRoute(capturedText("proc/net.route.namespace"));
  ASSERT_EQ(routes.size(), 7u);
  EXPECT_TRUE(routes[0].isDefault());
  EXPECT_EQ(routes[0].gateway, address("10.20.0.254"));
  EXPECT_EQ(routes[2].interface, "wg0");
  EXPECT_EQ(routes[2].destination, address("100.64.0.0"));
  EXPECT_EQ(routes[2].prefixLength, 10);
  EXPECT_EQ(routes[2].gateway, address("192.168.77.1"));
  EXPECT_EQ(routes[3].interface, "agent0");
  EXPECT_EQ(routes[3].destination, address("172.30.0.0"));
  EXPECT_EQ(routes[3].prefixLength, 16);
  EXPECT_EQ(routes[5].interface, "*");
  EXPECT_EQ(routes[5].destination, address("198.51.100.0"));
  EXPECT_EQ(routes[6].destination, address("203.0.113.7"));
  EXPECT_EQ(routes[6].prefixLength, 32);
  EXPECT_EQ(routes[6].flags, 0x205u);  // RTF_UP | RTF_HOST | RTF_REJECT
}

TEST(ProcNetRoute, SkipsWhatDoesNotParse) {
  EXPECT_TRUE(parseProcNetRoute("").empty());
  auto routes = parseProcNetRoute(
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0\n"  // a mask with holes
      "eth0\t0000000A\t00000000\n"                                    // cut short
      "eth0\t000000ZZ\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n"  // not hex
      "eth0\t00000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n"    // not 8 digits
      "eth1\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0");  // good, without newline
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].interface, "eth1");
  EXPECT_EQ(routes[0].destination, address("10.0.0.0"));
  EXPECT_EQ(routes[0].prefixLength, 8);
}

TEST(HostRouteOverlap, RefusedWithTheRouteAndTheKey) {
  auto routes = parseProcNetRoute(
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "eth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
      "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n");
  auto refused = refuseSubnetOverlappingRoutes(subnet("10.0.0.0/16"), routes);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().sentence);
  EXPECT_EQ(refused.error().message(),
            "the bridge subnet 10.0.0.0/16 overlaps the host's route 10.0.0.0/8 on eth0; choose another subnet with "
            "`bridge_subnet:`");
  EXPECT_TRUE(refuseSubnetOverlappingRoutes(subnet("172.30.0.0/16"), routes));
}

TEST(HostRouteOverlap, EachWayOfOverlapping) {
  auto routes = parseProcNetRoute(capturedText("proc/net.route.namespace"));
  auto overlap = [&](std::string_view cidr, std::string_view bridge = {}) -> std::
                                                                              string {
                                                                                auto route = overlappingRoute(
                                                                                    subnet(cidr), routes, bridge);
                                                                                return route ? formatIpv4Address(route->destination) + "/" + std::to_string(route->prefixLength) + " " +
                       route->interface
                 : "none";
                                                                              };
  EXPECT_EQ(overlap("10.0.0.0/8"), "10.20.0.0/16 eth0");         // the subnet holds the route
  EXPECT_EQ(overlap("10.20.128.0/24"), "10.20.0.0/16 eth0");     // the route holds the subnet
  EXPECT_EQ(overlap("10.20.0.0/16"), "10.20.0.0/16 eth0");       // the same
  EXPECT_EQ(overlap("10.21.0.0/16"), "none");                    // its neighbour
  EXPECT_EQ(overlap("100.100.0.0/16"), "100.64.0.0/10 wg0");     // a route through a gateway
  EXPECT_EQ(overlap("198.51.100.128/25"), "198.51.100.0/24 *");  // a blackhole is the host's too
  EXPECT_EQ(overlap("203.0.113.4/30"), "203.0.113.7/32 *");      // one host route inside
  EXPECT_EQ(overlap("203.0.113.8/30"), "none");
  EXPECT_EQ(overlap("172.17.0.0/16"), "none");  // the default route overlaps everything and is skipped
  // The agent's own bridge, left by an earlier agentd, holds this very subnet's route.
  EXPECT_EQ(overlap("172.30.0.0/16"), "172.30.0.0/16 agent0");
  EXPECT_EQ(overlap("172.30.0.0/16", "agent0"), "none");
  EXPECT_EQ(overlap("172.16.0.0/12", "agent0"), "none");
  EXPECT_EQ(overlap("172.16.0.0/12", "docker0"), "172.30.0.0/16 agent0");
}

TEST(HostRouteOverlap, ThisHostsRoutes) {
  auto routes = parseProcNetRoute(capturedText("proc/net.route.host"));
  EXPECT_FALSE(refuseSubnetOverlappingRoutes(subnet("192.0.0.0/16"), routes));
  EXPECT_TRUE(refuseSubnetOverlappingRoutes(subnet("172.30.0.0/16"), routes));
}
