// Who holds a host port (HostPortHolder.h), in a network namespace the test makes: sockets this
// test binds there are found by bind(2), named by the socket tables of the calling thread's
// namespace (the test's main thread stays in the machine's, whose tables do not list them) and
// traced to this process; ip_local_port_range narrowed in that namespace bounds the pick.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include "HostPortHolder.h"
#include "TestNetns.h"
#include "UniqueFd.h"

namespace agent::hosttest {
namespace {

using net::checkHostPortFree;
using net::pickFreeHostPort;
using net::PortProtocol;

in_addr addr(const char* text) {
  in_addr a{};
  inet_pton(AF_INET, text, &a);
  return a;
}

std::string readText(const char* path) {
  std::ifstream file(path);
  std::string text;
  std::getline(file, text);
  return text;
}

// lo up in the calling thread's namespace: 127.0.0.1 and ::1 exist only once it is.
void loopbackUp() {
  UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq request{};
  std::strcpy(request.ifr_name, "lo");
  ASSERT_EQ(ioctl(fd.get(), SIOCGIFFLAGS, &request), 0);
  request.ifr_flags |= IFF_UP;
  ASSERT_EQ(ioctl(fd.get(), SIOCSIFFLAGS, &request), 0) << std::strerror(errno);
}

// A socket of this process bound (and for tcp listening) on address:port, as a server holds it.
UniqueFd holdPort(const char* address, uint16_t port, PortProtocol protocol) {
  bool tcp = protocol == PortProtocol::tcp;
  UniqueFd fd(socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(port);
  at.sin_addr = addr(address);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 || (tcp && listen(fd.get(), 4) != 0))
    ADD_FAILURE() << "bind " << address << ":" << port << ": " << std::strerror(errno);
  return fd;
}

// The refusal's sentence, expecting EADDRINUSE.
std::string refusal(const char* address, uint16_t port, PortProtocol protocol, uint16_t containerPort = 0) {
  auto free = checkHostPortFree(addr(address), port, protocol, containerPort);
  if (free) return "free";
  EXPECT_EQ(free.error().errnum, EADDRINUSE) << free.error().message();
  EXPECT_TRUE(free.error().sentence);
  return free.error().message();
}

class HostPortHolder : public ::testing::Test {
 protected:
  TestNetns netns;
  std::string self = "(pid " + std::to_string(getpid()) + ")";
  std::string comm = readText("/proc/self/comm");

  void SetUp() override {
    netns.inside([] {
      ASSERT_TRUE(threadInTestNetns());
      loopbackUp();
    });
  }
};

TEST_F(HostPortHolder, FreePortPasses) {
  netns.inside([] {
    for (PortProtocol protocol : {PortProtocol::tcp, PortProtocol::udp}) {
      auto free = checkHostPortFree(addr("0.0.0.0"), 18080, protocol);
      EXPECT_TRUE(free) << free.error().message();
      free = checkHostPortFree(addr("127.0.0.1"), 18080, protocol);
      EXPECT_TRUE(free) << free.error().message();
    }
  });
}

TEST_F(HostPortHolder, TcpListenerIsNamedWithItsProcess) {
  netns.inside([&] {
    UniqueFd listener = holdPort("0.0.0.0", 18080, PortProtocol::tcp);
    EXPECT_EQ(refusal("0.0.0.0", 18080, PortProtocol::tcp, 80),
              "host port 18080/tcp is in use: " + comm + " " + self +
                  " listens on 0.0.0.0:18080; stop it, or publish another host port (-p OTHER:80)");
    auto udp = checkHostPortFree(addr("0.0.0.0"), 18080, PortProtocol::udp);
    EXPECT_TRUE(udp) << "a tcp listener does not hold the udp port: " << udp.error().message();
  });
}

TEST_F(HostPortHolder, UdpSocketIsNamedWithItsProcess) {
  netns.inside([&] {
    UniqueFd bound = holdPort("0.0.0.0", 18081, PortProtocol::udp);
    EXPECT_EQ(refusal("0.0.0.0", 18081, PortProtocol::udp),
              "host port 18081/udp is in use: " + comm + " " + self +
                  " is bound to 0.0.0.0:18081; stop it, or publish another host port (-p OTHER:CTRPORT)");
    auto tcp = checkHostPortFree(addr("0.0.0.0"), 18081, PortProtocol::tcp);
    EXPECT_TRUE(tcp) << tcp.error().message();
  });
}

TEST_F(HostPortHolder, OneAddressAndEveryAddressBlockEachOther) {
  netns.inside([&] {
    for (PortProtocol protocol : {PortProtocol::tcp, PortProtocol::udp}) {
      std::string verb = protocol == PortProtocol::tcp ? " listens on " : " is bound to ";
      std::string name = protocol == PortProtocol::tcp ? "tcp" : "udp";
      {
        UniqueFd one = holdPort("127.0.0.1", 18082, protocol);
        EXPECT_EQ(refusal("0.0.0.0", 18082, protocol, 80),
                  "host port 18082/" + name + " is in use: " + comm + " " + self + verb +
                      "127.0.0.1:18082; stop it, or publish another host port (-p OTHER:80)");
        EXPECT_EQ(refusal("127.0.0.1", 18082, protocol, 80),
                  "host port 127.0.0.1:18082/" + name + " is in use: " + comm + " " + self + verb +
                      "127.0.0.1:18082; stop it, or publish another host port (-p 127.0.0.1:OTHER:80)");
        auto other = checkHostPortFree(addr("127.0.0.2"), 18082, protocol);  // 127/8 is lo's
        EXPECT_TRUE(other) << "another address of the host is free: " << other.error().message();
      }
      UniqueFd every = holdPort("0.0.0.0", 18083, protocol);
      EXPECT_NE(refusal("127.0.0.1", 18083, protocol).find(self + verb + "0.0.0.0:18083"), std::string::npos);
    }
  });
}

TEST_F(HostPortHolder, DualStackListenerHoldsTheIpv4Port) {
  netns.inside([&] {
    UniqueFd fd(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int no = 0;
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof no);
    sockaddr_in6 at{};
    at.sin6_family = AF_INET6;
    at.sin6_port = htons(18084);
    ASSERT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&at), sizeof at), 0) << std::strerror(errno);
    ASSERT_EQ(listen(fd.get(), 4), 0);
    EXPECT_NE(refusal("0.0.0.0", 18084, PortProtocol::tcp).find(self + " listens on [::]:18084"), std::string::npos);
  });
}

TEST_F(HostPortHolder, AnAddressNotOfTheHostIsAUserError) {
  netns.inside([] {
    auto free = checkHostPortFree(addr("192.0.2.9"), 18085, PortProtocol::tcp);
    ASSERT_FALSE(free);
    EXPECT_EQ(free.error().errnum, EADDRNOTAVAIL);
    EXPECT_EQ(
        free.error().message(),
        "the host address 192.0.2.9 is none of this host's: publish on one of its addresses, or on none for all of "
        "them");
  });
}

// ip_local_port_range narrowed to 3 ports in the test's namespace only (the machine's is compared
// before and after); the pick reads the calling thread's namespace's range.
TEST_F(HostPortHolder, PickSkipsTakenAndBusyPortsOfTheRange) {
  std::string machineRange = readText("/proc/sys/net/ipv4/ip_local_port_range");
  ASSERT_NE(machineRange, "40000\t40002");
  netns.must("echo '40000 40002' > /proc/sys/net/ipv4/ip_local_port_range");
  EXPECT_EQ(readText("/proc/sys/net/ipv4/ip_local_port_range"), machineRange);
  netns.inside([] {
    ASSERT_EQ(readText("/proc/sys/net/ipv4/ip_local_port_range"), "40000\t40002");
    UniqueFd busy = holdPort("0.0.0.0", 40000, PortProtocol::tcp);
    for (int i = 0; i < 10; ++i) {  // from random offsets
      auto port = pickFreeHostPort(addr("0.0.0.0"), PortProtocol::tcp, {});
      ASSERT_TRUE(port) << port.error().message();
      EXPECT_NE(*port, 40000);
      port = pickFreeHostPort(addr("0.0.0.0"), PortProtocol::tcp, {40002});
      ASSERT_TRUE(port) << port.error().message();
      EXPECT_EQ(*port, 40001);
    }
    UniqueFd busyToo = holdPort("127.0.0.1", 40001, PortProtocol::tcp);
    for (int i = 0; i < 10; ++i) {
      auto port = pickFreeHostPort(addr("0.0.0.0"), PortProtocol::tcp, {});
      ASSERT_TRUE(port) << port.error().message();
      EXPECT_EQ(*port, 40002);
    }
    auto udp = pickFreeHostPort(addr("0.0.0.0"), PortProtocol::udp, {40002});
    ASSERT_TRUE(udp) << "the tcp sockets leave the udp ports free: " << udp.error().message();
    auto none = pickFreeHostPort(addr("0.0.0.0"), PortProtocol::tcp, {40002});
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().errnum, ENOSPC);
    EXPECT_EQ(none.error().message(),
              "no host port is free for 0.0.0.0/tcp in 40000-40002 (net.ipv4.ip_local_port_range): 1 published by "
              "containers, 2 in use by others; remove containers or processes holding them, or publish fixed host "
              "ports with -p HOSTPORT:CTRPORT");
  });
  EXPECT_EQ(readText("/proc/sys/net/ipv4/ip_local_port_range"), machineRange);
}

}  // namespace
}  // namespace agent::hosttest
