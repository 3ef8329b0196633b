// issue 15's links, on the real kernel inside namespaces the test makes (ScratchNetns.h): a
// "host" namespace holding the bridge, "container" namespaces holding eth0.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>

#include "Bridge.h"
#include "LinkQuery.h"
#include "ScratchNetns.h"
#include "Veth.h"

namespace agent::hosttest {
namespace {

using net::readLink;

constexpr const char* kBridge = "agent0";
constexpr const char* kGateway = "10.88.0.1";
constexpr const char* kGatewayCidr = "10.88.0.1/16";

net::VethAttachment attachment(const ScratchNetns& container, std::string hostVeth, std::string address) {
  return net::VethAttachment{.bridge = kBridge,
                             .containerNetnsFd = container.fd(),
                             .hostVeth = std::move(hostVeth),
                             .address = std::move(address),
                             .gateway = kGateway,
                             .mtu = std::nullopt};
}

// The link's state as our helpers read it, asserted present.
net::LinkState linkIn(const ScratchNetns& ns, const std::string& name) {
  net::LinkState state;
  inNetns(ns, [&] {
    auto link = readLink(name);
    ASSERT_TRUE(link) << link.error().message();
    ASSERT_TRUE(*link) << name << " is missing";
    state = **link;
  });
  return state;
}

bool hasLink(const ScratchNetns& ns, const std::string& name) {
  bool present = true;
  inNetns(ns, [&] {
    auto link = readLink(name);
    ASSERT_TRUE(link) << link.error().message();
    present = link->has_value();
  });
  return present;
}

// A TCP listener bound in `ns` at address:port; its fd stays in that namespace.
UniqueFd listenIn(const ScratchNetns& ns, const char* address, uint16_t port) {
  UniqueFd listener;
  inNetns(ns, [&] {
    listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    ASSERT_TRUE(listener.valid());
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(port);
    ASSERT_EQ(::inet_pton(AF_INET, address, &at.sin_addr), 1);
    ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&at), sizeof at), 0) << "bind " << address;
    ASSERT_EQ(::listen(listener.get(), 4), 0);
  });
  return listener;
}

// Connects from `ns` to address:port and sees the listener accept it, within 3 s.
void expectTcpReaches(const ScratchNetns& ns, const char* address, uint16_t port, int listener) {
  UniqueFd client;
  inNetns(ns, [&] {
    client.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    ASSERT_TRUE(client.valid());
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ASSERT_EQ(::inet_pton(AF_INET, address, &to.sin_addr), 1);
    int rc = ::connect(client.get(), reinterpret_cast<sockaddr*>(&to), sizeof to);
    ASSERT_TRUE(rc == 0 || errno == EINPROGRESS) << "connect " << address;
  });
  pollfd waiting{listener, POLLIN, 0};
  ASSERT_EQ(::poll(&waiting, 1, 3000), 1) << "no connection reached " << address << ":" << port;
  UniqueFd accepted(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  EXPECT_TRUE(accepted.valid());
}

class BridgeVethTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(host.valid() && containerA.valid() && containerB.valid()) << "unshare(CLONE_NEWNET) failed";
  }
  ScratchNetns host, containerA, containerB;
};

TEST_F(BridgeVethTest, BridgeIsMadeOnceAndKept) {
  int index = 0;
  inNetns(host, [&] {
    auto made = net::ensureBridge(kBridge, kGatewayCidr);
    ASSERT_TRUE(made) << made.error().message();
    index = *made;
    auto again = net::ensureBridge(kBridge, kGatewayCidr);  // what an agentd restart does
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(*again, index);
  });
  auto bridge = linkIn(host, kBridge);
  EXPECT_EQ(bridge.index, index);
  EXPECT_EQ(bridge.kind, "bridge");
  EXPECT_TRUE(bridge.up);
  EXPECT_EQ(bridge.ipv4Addresses, std::vector<std::string>{kGatewayCidr});
  auto shown = runInNetns(host, "ip -o -4 addr show dev agent0");
  EXPECT_EQ(shown.status, 0) << shown.output;
  EXPECT_NE(shown.output.find("inet 10.88.0.1/16"), std::string::npos) << shown.output;
  EXPECT_EQ(shown.output.find("inet ", shown.output.find("inet ") + 1), std::string::npos) << shown.output;

  // Set down by someone: the next ensureBridge sets it up again, same link.
  ASSERT_EQ(runInNetns(host, "ip link set agent0 down").status, 0);
  ASSERT_FALSE(linkIn(host, kBridge).up);
  inNetns(host, [&] {
    auto again = net::ensureBridge(kBridge, kGatewayCidr);
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(*again, index);
  });
  EXPECT_TRUE(linkIn(host, kBridge).up);
}

TEST_F(BridgeVethTest, NonBridgeLinkNamedLikeTheBridgeIsRefused) {
  // A veth: the kernel may lack the dummy module, and loading one would change the machine.
  auto added = runInNetns(host, "ip link add agent0 type veth peer name other0");
  ASSERT_EQ(added.status, 0) << added.output;
  inNetns(host, [&] {
    auto made = net::ensureBridge(kBridge, kGatewayCidr);
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().message(),
              "a link named `agent0` exists and is a veth, not a bridge: name another bridge in the config, or "
              "remove that link");
  });
  auto other = linkIn(host, kBridge);
  EXPECT_EQ(other.kind, "veth");
  EXPECT_FALSE(other.up);
  EXPECT_TRUE(other.ipv4Addresses.empty());
}

TEST_F(BridgeVethTest, TwoContainersGetEth0AndReachEachOtherAndTheGateway) {
  int bridgeIndex = 0;
  inNetns(host, [&] {
    auto made = net::ensureBridge(kBridge, kGatewayCidr);
    ASSERT_TRUE(made) << made.error().message();
    bridgeIndex = *made;
  });
  std::string bridgeMac = linkIn(host, kBridge).mac;
  inNetns(host, [&] {
    auto a = net::attachContainer(attachment(containerA, net::hostVethName("aaaaaaaa0123"), "10.88.0.2/16"));
    ASSERT_TRUE(a) << a.error().message();
    auto withMtu = attachment(containerB, net::hostVethName("bbbbbbbb4567"), "10.88.0.3/16");
    withMtu.mtu = 1400;
    auto b = net::attachContainer(withMtu);
    ASSERT_TRUE(b) << b.error().message();
  });
  EXPECT_EQ(linkIn(host, kBridge).mac, bridgeMac) << "the gateway's MAC followed a port";
  for (const char* veth : {"vethaaaaaaaa", "vethbbbbbbbb"}) {
    auto hostSide = linkIn(host, veth);
    EXPECT_EQ(hostSide.kind, "veth");
    EXPECT_TRUE(hostSide.up) << veth;
    EXPECT_EQ(hostSide.masterIndex, bridgeIndex) << veth;
  }
  EXPECT_FALSE(hasLink(host, "eth0")) << "the peer was born in the container's namespace";

  auto eth0 = linkIn(containerA, "eth0");
  EXPECT_EQ(eth0.kind, "veth");
  EXPECT_TRUE(eth0.up);
  EXPECT_EQ(eth0.ipv4Addresses, std::vector<std::string>{"10.88.0.2/16"});
  EXPECT_TRUE(linkIn(containerA, "lo").up);
  EXPECT_EQ(eth0.mtu, 1500u);
  auto eth0OfB = linkIn(containerB, "eth0");
  EXPECT_EQ(eth0OfB.ipv4Addresses, std::vector<std::string>{"10.88.0.3/16"});
  EXPECT_EQ(eth0OfB.mtu, 1400u);
  EXPECT_EQ(linkIn(host, "vethbbbbbbbb").mtu, 1400u);
  for (const ScratchNetns* container : {&containerA, &containerB}) {
    auto routes = runInNetns(*container, "ip -4 route show default");
    EXPECT_EQ(routes.status, 0) << routes.output;
    EXPECT_NE(routes.output.find("default via 10.88.0.1 dev eth0"), std::string::npos) << routes.output;
  }

  UniqueFd onB = listenIn(containerB, "10.88.0.3", 8080);
  UniqueFd onGateway = listenIn(host, kGateway, 8081);
  ASSERT_TRUE(onB.valid() && onGateway.valid());
  expectTcpReaches(containerA, "10.88.0.3", 8080, onB.get());
  expectTcpReaches(containerA, kGateway, 8081, onGateway.get());
}

TEST_F(BridgeVethTest, DetachLeavesNoVethAndIsIdempotent) {
  inNetns(host, [&] {
    ASSERT_TRUE(net::ensureBridge(kBridge, kGatewayCidr));
    auto a = net::attachContainer(attachment(containerA, "vethaaaaaaaa", "10.88.0.2/16"));
    ASSERT_TRUE(a) << a.error().message();
    auto gone = net::detachContainer("vethaaaaaaaa");
    ASSERT_TRUE(gone) << gone.error().message();
    auto again = net::detachContainer("vethaaaaaaaa");
    EXPECT_TRUE(again) << again.error().message();
    auto bridge = net::detachContainer(kBridge);
    ASSERT_FALSE(bridge) << "detach deleted a bridge";
  });
  auto links = runInNetns(host, "ip -o link show");
  EXPECT_EQ(links.output.find("veth"), std::string::npos) << links.output;
  EXPECT_NE(links.output.find("agent0"), std::string::npos) << links.output;
  EXPECT_FALSE(hasLink(containerA, "eth0")) << "the peer goes with the host side";
}

TEST_F(BridgeVethTest, FailuresLeaveNothingBehind) {
  ASSERT_EQ(runInNetns(host, "ip link add vethtaken0 type veth peer name other0").status, 0);
  inNetns(host, [&] {
    ASSERT_TRUE(net::ensureBridge(kBridge, kGatewayCidr));
    // The host name taken: refused whole, the other link untouched.
    auto taken = net::attachContainer(attachment(containerA, "vethtaken0", "10.88.0.2/16"));
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error().message(), "create the veth pair `vethtaken0`: File exists");
    // Mid-way: the pair is made and eth0 addressed, then the kernel refuses a gateway outside
    // eth0's subnet (ENETUNREACH); the pair must go.
    auto unreachable = net::attachContainer(net::VethAttachment{.bridge = kBridge,
                                                                .containerNetnsFd = containerA.fd(),
                                                                .hostVeth = "vethaaaaaaaa",
                                                                .address = "10.88.0.2/16",
                                                                .gateway = "10.99.0.1",
                                                                .mtu = 1400});
    ASSERT_FALSE(unreachable);
    EXPECT_EQ(unreachable.error().message(), "add the default route via `10.99.0.1`: Network is unreachable");
    // No bridge of that name: nothing made.
    auto noBridge = net::attachContainer(net::VethAttachment{.bridge = "agent9",
                                                             .containerNetnsFd = containerA.fd(),
                                                             .hostVeth = "vethaaaaaaaa",
                                                             .address = "10.88.0.2/16",
                                                             .gateway = kGateway,
                                                             .mtu = std::nullopt});
    ASSERT_FALSE(noBridge);
    EXPECT_EQ(noBridge.error().errnum, ENODEV) << noBridge.error().message();
    // The container has an eth0 already: the whole RTM_NEWLINK is refused.
    ASSERT_EQ(runInNetns(containerB, "ip link add eth0 type veth peer name other1").status, 0);
    auto hasEth0 = net::attachContainer(attachment(containerB, "vethbbbbbbbb", "10.88.0.3/16"));
    ASSERT_FALSE(hasEth0);
    EXPECT_EQ(hasEth0.error().errnum, EEXIST) << hasEth0.error().message();
    // Not a network namespace's fd: the kernel refuses the whole RTM_NEWLINK.
    UniqueFd notNetns(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    auto notNs = net::attachContainer(net::VethAttachment{.bridge = kBridge,
                                                          .containerNetnsFd = notNetns.get(),
                                                          .hostVeth = "vethaaaaaaaa",
                                                          .address = "10.88.0.2/16",
                                                          .gateway = kGateway,
                                                          .mtu = std::nullopt});
    EXPECT_FALSE(notNs);
    // A bad address: refused before any write, in a sentence.
    auto badAddress = net::attachContainer(attachment(containerA, "vethaaaaaaaa", "10.88.0.2"));
    ASSERT_FALSE(badAddress);
    EXPECT_TRUE(badAddress.error().sentence);
  });
  EXPECT_EQ(linkIn(host, "vethtaken0").masterIndex, 0) << "the link already there was touched";
  auto links = runInNetns(host, "ip -o link show");
  EXPECT_EQ(links.output.find("vethaaaaaaaa"), std::string::npos) << links.output;
  EXPECT_EQ(links.output.find("vethbbbbbbbb"), std::string::npos) << links.output;
  EXPECT_NE(links.output.find("vethtaken0"), std::string::npos) << links.output;
  auto inside = runInNetns(containerA, "ip -o link show");
  EXPECT_EQ(inside.output.find("eth0"), std::string::npos) << inside.output;

  // Afterwards the same names work: nothing half-made stands in the way.
  inNetns(host, [&] {
    auto a = net::attachContainer(attachment(containerA, "vethaaaaaaaa", "10.88.0.2/16"));
    EXPECT_TRUE(a) << a.error().message();
  });
  EXPECT_TRUE(linkIn(containerA, "eth0").up);
}

}  // namespace
}  // namespace agent::hosttest
