// The agent's nftables table in a real kernel, in namespaces the test makes: a "host" with a
// bridge, two "containers" on it, an "outside" joined to the host by a veth. Published ports
// answer from outside, from the host (127.0.0.1 and its addresses) and from the other container
// (hairpin); containers reach outside under the host's address (MASQUERADE); the table is
// replaced atomically, removed alone, and found missing after `nft flush ruleset`.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <optional>

#include "HostTestSupport.h"
#include "NatSysctls.h"
#include "NatTableApply.h"
#include "TestNetns.h"

namespace agent::hosttest {
namespace {

using net::NatTableState;
using net::Nftables;
using net::PortProtocol;
using net::PublishedPort;

in_addr addr(const char* text) {
  in_addr a{};
  inet_pton(AF_INET, text, &a);
  return a;
}

// host: agent0 10.88.0.1/24 with c1 (10.88.0.2) and c2 (10.88.0.3) on it, their ports in hairpin
// mode (NatTable.h says why); vout 192.0.2.1/24 to
// outside's eth0 192.0.2.2/24, which has no route to 10.88.0.0/24: it can only answer a
// container whose address the host masqueraded.
class NatTableInNetns : public ::testing::Test {
 protected:
  TestNetns host, outside, c1, c2;
  std::optional<WhoAmIServer> c1Server, outsideServer;

  void SetUp() override {
    if (host.sh("command -v nft && command -v ip") != 0)
      AGENT_SKIP_OR_FAIL_UNDER_CI("nft (package nftables), ip (iproute2) or nsenter (util-linux) is missing");
    for (TestNetns* ns : {&host, &outside, &c1, &c2}) ns->inside([] { ASSERT_TRUE(threadInTestNetns()); });
    host.must(
        "ip link set lo up && ip link add agent0 type bridge forward_delay 0 && "
        "ip addr add 10.88.0.1/24 dev agent0 && ip link set agent0 up");
    int index = 1;
    for (TestNetns* container : {&c1, &c2}) {
      std::string veth = "veth" + std::to_string(index);
      std::string address = "10.88.0." + std::to_string(++index);
      host.must("ip link add " + veth + " type veth peer name eth0 netns " + std::to_string(container->pid()) +
                " && ip link set " + veth + " master agent0 up && ip link set " + veth +
                " type bridge_slave hairpin on");
      container->must("ip link set lo up && ip addr add " + address +
                      "/24 dev eth0 && ip link set eth0 up && ip route add default via 10.88.0.1");
    }
    host.must("ip link add vout type veth peer name eth0 netns " + std::to_string(outside.pid()) +
              " && ip addr add 192.0.2.1/24 dev vout && ip link set vout up");
    outside.must("ip link set lo up && ip addr add 192.0.2.2/24 dev eth0 && ip link set eth0 up");
    c1Server.emplace(c1, 8080, "c1");
    outsideServer.emplace(outside, 9000, "outside");
  }

  // ip_forward and route_localnet, in the host namespace only (inside() checks it is not the
  // machine's; the machine's values are compared before and after).
  void enableSysctls() {
    std::string machineForward = readMachine("/proc/sys/net/ipv4/ip_forward");
    host.inside([] {
      ASSERT_TRUE(net::enableIpv4Forwarding()) << "ip_forward";
      auto localnet = net::enableRouteLocalnet("agent0");
      ASSERT_TRUE(localnet) << localnet.error().message();
    });
    EXPECT_EQ(readMachine("/proc/sys/net/ipv4/ip_forward"), machineForward);
  }

  static std::string readMachine(const char* path) {
    std::string text;
    FILE* file = std::fopen(path, "r");
    if (!file) return "?";
    char buffer[64];
    size_t n = std::fread(buffer, 1, sizeof buffer, file);
    std::fclose(file);
    return std::string(buffer, n);
  }

  static NatTableState state(std::vector<PublishedPort> ports = {
                                 {addr("0.0.0.0"), 18080, PortProtocol::tcp, addr("10.88.0.2"), 8080}}) {
    NatTableState s;
    s.bridgeName = "agent0";
    s.subnet = addr("10.88.0.0");
    s.prefixLength = 24;
    s.ports = std::move(ports);
    return s;
  }

  // Each call makes its libnftables context inside the host namespace and uses it there.
  template <typename F>
  void withNftables(F body) {
    host.inside([&] {
      auto nftables = Nftables::open();
      ASSERT_TRUE(nftables) << nftables.error().message();
      body(*nftables);
    });
  }

  void apply(const NatTableState& s) {
    withNftables([&](Nftables& nftables) {
      auto applied = net::applyNatTable(nftables, s);
      ASSERT_TRUE(applied) << applied.error().message();
    });
  }

  bool present() {
    bool found = false;
    withNftables([&](Nftables& nftables) {
      auto answer = net::natTablePresent(nftables, "agent");
      ASSERT_TRUE(answer) << answer.error().message();
      found = *answer;
    });
    return found;
  }
};

TEST_F(NatTableInNetns, OutsideReachesThePublishedPort) {
  enableSysctls();
  EXPECT_EQ(askTcp(outside, "192.0.2.1", 18080, 500).rfind("error: connect", 0), 0u) << "answers before the table";
  apply(state());
  // DNAT only: the container sees the outside host's own address.
  EXPECT_EQ(askTcp(outside, "192.0.2.1", 18080), "c1 192.0.2.2");
}

TEST_F(NatTableInNetns, TheHostReachesItThrough127001AndItsAddresses) {
  apply(state());
  // Without route_localnet the kernel will not route a loopback source out of the bridge.
  EXPECT_EQ(askTcp(host, "127.0.0.1", 18080, 500).rfind("error: connect", 0), 0u);
  enableSysctls();
  EXPECT_EQ(askTcp(host, "127.0.0.1", 18080), "c1 10.88.0.1");  // loopback source masqueraded
  EXPECT_EQ(askTcp(host, "192.0.2.1", 18080), "c1 192.0.2.1");
  EXPECT_EQ(askTcp(host, "10.88.0.1", 18080), "c1 10.88.0.1");
}

TEST_F(NatTableInNetns, AContainerLeavesUnderTheHostsAddress) {
  enableSysctls();
  EXPECT_EQ(askTcp(c1, "192.0.2.2", 9000, 500).rfind("error:", 0), 0u) << "outside answered an unmasqueraded source";
  apply(state());
  EXPECT_EQ(askTcp(c1, "192.0.2.2", 9000), "outside 192.0.2.1");
  EXPECT_EQ(askUdp(c2, "192.0.2.2", 9000), "outside 192.0.2.1");
}

TEST_F(NatTableInNetns, HairpinFromAnotherContainerAndFromItself) {
  enableSysctls();
  apply(state());
  // Masqueraded to the bridge's address, so that the answer comes back through the host.
  EXPECT_EQ(askTcp(c2, "192.0.2.1", 18080), "c1 10.88.0.1");
  EXPECT_EQ(askTcp(c2, "10.88.0.1", 18080), "c1 10.88.0.1");
  EXPECT_EQ(askTcp(c1, "192.0.2.1", 18080), "c1 10.88.0.1");
  // Containers still see each other's own address when they talk directly.
  EXPECT_EQ(askTcp(c2, "10.88.0.2", 8080), "c1 10.88.0.3");
}

TEST_F(NatTableInNetns, UdpAndAPortOnOneHostAddress) {
  enableSysctls();
  apply(state({{addr("0.0.0.0"), 15353, PortProtocol::udp, addr("10.88.0.2"), 8080},
               {addr("192.0.2.1"), 18081, PortProtocol::tcp, addr("10.88.0.2"), 8080}}));
  EXPECT_EQ(askUdp(outside, "192.0.2.1", 15353), "c1 192.0.2.2");
  EXPECT_EQ(askUdp(host, "127.0.0.1", 15353), "c1 10.88.0.1");
  EXPECT_EQ(askUdp(c2, "192.0.2.1", 15353), "c1 10.88.0.1");
  EXPECT_EQ(askTcp(outside, "192.0.2.1", 18081), "c1 192.0.2.2");
  EXPECT_EQ(askTcp(host, "10.88.0.1", 18081, 500).rfind("error: connect", 0), 0u) << "published on 192.0.2.1 only";
  EXPECT_EQ(askTcp(outside, "192.0.2.1", 18080, 500).rfind("error: connect", 0), 0u) << "18080 is not published";
}

TEST_F(NatTableInNetns, ApplyIsIdempotentListsAsRenderedAndReplaces) {
  enableSysctls();
  apply(state());
  std::string first = host.must("nft list ruleset");
  apply(state());
  EXPECT_EQ(host.must("nft list ruleset"), first);
  withNftables([&](Nftables& nftables) {
    EXPECT_EQ(net::listNatTable(nftables, "agent").value(), net::renderNatTable(state()).value());
  });
  // Another state replaces the table: 18080 gone, 18082 there. Timed: a context made once, a
  // replacement per `run -p` (the budget for all of `-p` is 3 ms).
  host.inside([&] {
    using Clock = std::chrono::steady_clock;
    auto us = [](Clock::duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); };
    auto t0 = Clock::now();
    auto nftables = Nftables::open();
    auto t1 = Clock::now();
    ASSERT_TRUE(nftables);
    ASSERT_TRUE(
        net::applyNatTable(*nftables, state({{addr("0.0.0.0"), 18082, PortProtocol::tcp, addr("10.88.0.2"), 8080}})));
    auto t2 = Clock::now();
    ASSERT_TRUE(
        net::applyNatTable(*nftables, state({{addr("0.0.0.0"), 18082, PortProtocol::tcp, addr("10.88.0.2"), 8080}})));
    auto t3 = Clock::now();
    std::cout << "nftables context " << us(t1 - t0) << " us, first apply " << us(t2 - t1) << " us, next apply "
              << us(t3 - t2) << " us\n";
  });
  EXPECT_EQ(askTcp(outside, "192.0.2.1", 18082), "c1 192.0.2.2");
  EXPECT_EQ(askTcp(outside, "192.0.2.1", 18080, 500).rfind("error: connect", 0), 0u);
}

TEST_F(NatTableInNetns, ARefusedBatchLeavesTheTableAsItWas) {
  apply(state());
  std::string before = host.must("nft list ruleset");
  withNftables([&](Nftables& nftables) {
    auto refused = nftables.run(
        "add table ip agent\ndelete table ip agent\ntable ip agent {\n\tchain c {\n\t\tjump nowhere\n\t}\n}\n",
        "replace the table `agent`");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message().rfind("nftables refused to replace the table `agent`: ", 0), 0u)
        << refused.error().message();
    auto missing = nftables.run("delete table ip nope", "delete the table `nope`");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message(),
              "nftables refused to delete the table `nope`: Could not process rule: No such file or directory (at "
              "`delete table ip nope`).");
  });
  EXPECT_EQ(host.must("nft list ruleset"), before);
}

TEST_F(NatTableInNetns, RemoveTakesOnlyOurTable) {
  host.must(
      "nft add table ip other && nft add chain ip other forward '{ type filter hook forward priority 0; }' && "
      "nft add rule ip other forward ip saddr 10.88.0.0/24 counter accept");
  std::string other = host.must("nft list table ip other");
  apply(state());
  EXPECT_EQ(host.must("nft list table ip other"), other);
  EXPECT_TRUE(present());
  withNftables([&](Nftables& nftables) {
    auto removed = net::removeNatTable(nftables, "agent");
    ASSERT_TRUE(removed) << removed.error().message();
    auto again = net::removeNatTable(nftables, "agent");
    EXPECT_TRUE(again) << "a table already gone is removed";
  });
  EXPECT_FALSE(present());
  EXPECT_EQ(host.must("nft list tables"), "table ip other\n");
  EXPECT_EQ(host.must("nft list table ip other"), other);
}

TEST_F(NatTableInNetns, AFlushedRulesetIsNoticedAndRestored) {
  enableSysctls();
  apply(state());
  EXPECT_TRUE(present());
  host.must("nft flush ruleset");  // a firewall reload
  EXPECT_FALSE(present());
  EXPECT_EQ(askTcp(outside, "192.0.2.1", 18080, 500).rfind("error: connect", 0), 0u);
  apply(state());
  EXPECT_TRUE(present());
  EXPECT_EQ(askTcp(outside, "192.0.2.1", 18080), "c1 192.0.2.2");
}

}  // namespace
}  // namespace agent::hosttest
