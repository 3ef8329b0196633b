// metrics_allow's networks: which source addresses a list lets in.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "NetworkAllowList.h"

using namespace agent;

namespace {

sockaddr_storage address(const char* text) {
  sockaddr_storage storage{};
  auto* four = reinterpret_cast<sockaddr_in*>(&storage);
  if (::inet_pton(AF_INET, text, &four->sin_addr) == 1) {
    four->sin_family = AF_INET;
    return storage;
  }
  auto* six = reinterpret_cast<sockaddr_in6*>(&storage);
  six->sin6_family = AF_INET6;
  EXPECT_EQ(::inet_pton(AF_INET6, text, &six->sin6_addr), 1) << text;
  return storage;
}

bool allows(const NetworkAllowList& list, const char* text) {
  auto storage = address(text);
  return list.allows(reinterpret_cast<const sockaddr*>(&storage));
}

NetworkAllowList listOf(std::initializer_list<const char*> texts) {
  std::vector<Network> networks;
  for (const char* text : texts) {
    auto network = parseNetwork(text);
    EXPECT_TRUE(network) << text;
    if (network) networks.push_back(*network);
  }
  return NetworkAllowList(std::move(networks));
}

}  // namespace

TEST(NetworkAllowList, AnEmptyListAllowsEveryAddress) {
  NetworkAllowList list;
  EXPECT_TRUE(allows(list, "203.0.113.9"));
  EXPECT_TRUE(allows(list, "2001:db8::1"));
}

TEST(NetworkAllowList, AllowsExactlyTheListedNetworks) {
  auto list = listOf({"10.0.0.0/8", "127.0.0.1/32", "192.168.4.0/22", "fd00::/8"});
  EXPECT_TRUE(allows(list, "10.255.1.2"));
  EXPECT_TRUE(allows(list, "127.0.0.1"));
  EXPECT_FALSE(allows(list, "127.0.0.2"));
  EXPECT_FALSE(allows(list, "11.0.0.1"));
  EXPECT_TRUE(allows(list, "192.168.7.255"));  // the /22's last address
  EXPECT_FALSE(allows(list, "192.168.8.0"));
  EXPECT_TRUE(allows(list, "fd12::1"));
  EXPECT_FALSE(allows(list, "fe80::1"));
  // An IPv4 client of an IPv6 socket is matched as the IPv4 address it is.
  EXPECT_TRUE(allows(list, "::ffff:10.1.2.3"));
  EXPECT_FALSE(allows(list, "::ffff:11.1.2.3"));
}

TEST(NetworkAllowList, ZeroPrefixMatchesItsWholeFamily) {
  auto list = listOf({"0.0.0.0/0"});
  EXPECT_TRUE(allows(list, "203.0.113.9"));
  EXPECT_FALSE(allows(list, "2001:db8::1"));
}

TEST(NetworkAllowList, AnAddressWithoutPrefixIsOneHost) {
  auto network = parseNetwork("127.0.0.1");
  ASSERT_TRUE(network);
  EXPECT_EQ(network->prefix, 32u);
  auto six = parseNetwork("::1");
  ASSERT_TRUE(six);
  EXPECT_EQ(six->prefix, 128u);
}

TEST(NetworkAllowList, MalformedNetworksAreRefusedWithWhy) {
  for (const char* bad : {"", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/8/8", "localhost/8", "::/129",
                          "10.0.0.1/24", "1.2.3/8"}) {
    auto network = parseNetwork(bad);
    EXPECT_FALSE(network) << bad;
  }
  auto hostBits = parseNetwork("10.1.2.3/8");
  ASSERT_FALSE(hostBits);
  EXPECT_NE(hostBits.error().message().find("address bits set beyond its /8"), std::string::npos)
      << hostBits.error().message();
}
