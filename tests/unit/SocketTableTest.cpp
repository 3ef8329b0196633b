// The kernel's socket tables as text (SocketTable.h) and ip_local_port_range
// (HostPortHolder.h); lines in the format of Linux 6.x on a little-endian host.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "HostPortHolder.h"
#include "SocketTable.h"

namespace agent::net {
namespace {

std::string ipv4Text(const BoundSocket& socket) {
  char text[INET_ADDRSTRLEN] = {};
  return socket.ipv4 ? inet_ntop(AF_INET, &*socket.ipv4, text, sizeof text) : "none";
}

TEST(SocketTable, ReadsIpv4Lines) {
  const char* text =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1453 1 "
      "000000001624f554 100 0 0 10 0\n"
      "   1: 0100007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 20474 1 "
      "0000000000000000 100 0 0 10 5\n"
      "   2: 0100007F:1F90 0100007F:A2B4 06 00000000:00000000 03:00001234 00000000     0        0 0 3 "
      "0000000000000000\n"
      "   3: garbage\n";
  auto sockets = parseSocketTable(text, false);
  ASSERT_EQ(sockets.size(), 3u);
  EXPECT_EQ(sockets[0].address, "0.0.0.0");
  EXPECT_EQ(ipv4Text(sockets[0]), "0.0.0.0");
  EXPECT_EQ(sockets[0].port, 8080);
  EXPECT_EQ(sockets[0].state, kTcpListen);
  EXPECT_EQ(sockets[0].inode, 1453u);
  EXPECT_EQ(sockets[1].address, "127.0.0.1");
  EXPECT_EQ(sockets[1].port, 53);
  EXPECT_EQ(sockets[1].inode, 20474u);
  EXPECT_EQ(sockets[2].state, 0x06u);  // TIME_WAIT: no file, inode 0
  EXPECT_EQ(sockets[2].inode, 0u);
}

TEST(SocketTable, ReadsIpv6LinesAndWhatIpv4TheyCover) {
  const char* text =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
      "tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
      "  0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 07 00000000:00000000 "
      "00:00000000 00000000     0        0 31 2 0000000000000000 0\n"
      "  1: 0000000000000000FFFF00000100007F:0035 00000000000000000000000000000000:0000 07 00000000:00000000 "
      "00:00000000 00000000     0        0 32 2 0000000000000000 0\n"
      "  2: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 07 00000000:00000000 "
      "00:00000000 00000000     0        0 33 2 0000000000000000 0\n";
  auto sockets = parseSocketTable(text, true);
  ASSERT_EQ(sockets.size(), 3u);
  EXPECT_EQ(sockets[0].address, "::");
  EXPECT_EQ(ipv4Text(sockets[0]), "0.0.0.0");
  EXPECT_EQ(sockets[0].port, 8080);
  EXPECT_EQ(sockets[1].address, "::ffff:127.0.0.1");
  EXPECT_EQ(ipv4Text(sockets[1]), "127.0.0.1");
  EXPECT_EQ(sockets[2].address, "::1");
  EXPECT_EQ(ipv4Text(sockets[2]), "none");
  EXPECT_EQ(sockets[2].port, 631);
  EXPECT_EQ(sockets[2].inode, 33u);
}

TEST(SocketTable, BindsOverlapOnTheSameAddressOrAWildcard) {
  in_addr any{htonl(INADDR_ANY)}, loopback{htonl(INADDR_LOOPBACK)}, other{htonl(0xC0000201)};
  EXPECT_TRUE(bindsOverlap(loopback, loopback));
  EXPECT_TRUE(bindsOverlap(any, loopback));
  EXPECT_TRUE(bindsOverlap(loopback, any));
  EXPECT_FALSE(bindsOverlap(loopback, other));
}

TEST(LocalPortRange, ReadsTheSysctlsText) {
  auto range = parseLocalPortRange("32768\t60999\n");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first, 32768);
  EXPECT_EQ(range->second, 60999);
  for (const char* bad : {"", "32768", "60999 32768\n", "0 10", "1024 70000", "a b", "1 2 3"})
    EXPECT_FALSE(parseLocalPortRange(bad)) << bad;
}

}  // namespace
}  // namespace agent::net
