// renderNatTable: the text of the agent's nftables table from a desired state (pure; the host
// tier puts it into a kernel and checks that nft lists it back the same).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "NatTable.h"
#include "Nftables.h"

namespace agent::net {
namespace {

in_addr addr(const char* text) {
  in_addr a{};
  inet_pton(AF_INET, text, &a);
  return a;
}

NatTableState state() {
  NatTableState s;
  s.bridgeName = "agent0";
  s.subnet = addr("10.88.0.0");
  s.prefixLength = 24;
  s.ports = {{addr("0.0.0.0"), 18080, PortProtocol::tcp, addr("10.88.0.2"), 8080},
             {addr("192.0.2.1"), 5353, PortProtocol::udp, addr("10.88.0.3"), 53}};
  return s;
}

TEST(NatTable, RendersTheWholeTable) {
  auto text = renderNatTable(state());
  ASSERT_TRUE(text) << text.error().message();
  EXPECT_EQ(*text,
            "table ip agent {\n"
            "\tcomment \"agentd: bridge networking (docs/networking.md)\"\n"
            "\tchain prerouting {\n"
            "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
            "\t\tfib daddr type local jump published\n"
            "\t}\n\n"
            "\tchain output {\n"
            "\t\ttype nat hook output priority -100; policy accept;\n"
            "\t\tfib daddr type local jump published\n"
            "\t}\n\n"
            "\tchain published {\n"
            "\t\ttcp dport 18080 dnat to 10.88.0.2:8080\n"
            "\t\tip daddr 192.0.2.1 udp dport 5353 dnat to 10.88.0.3:53\n"
            "\t}\n\n"
            "\tchain postrouting {\n"
            "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
            "\t\tip saddr 10.88.0.0/24 oifname != \"agent0\" masquerade\n"
            "\t\tip saddr 10.88.0.0/24 ip daddr 10.88.0.0/24 ct status dnat masquerade\n"
            "\t\toifname \"agent0\" ip saddr 127.0.0.0/8 masquerade\n"
            "\t}\n\n"
            "\tchain input {\n"
            "\t\ttype filter hook input priority filter; policy accept;\n"
            "\t\tiifname \"agent0\" ip daddr 127.0.0.0/8 ct state != { established, related } drop\n"
            "\t}\n"
            "}\n");
}

TEST(NatTable, SameStateInAnyOrderSameText) {
  NatTableState forward = state();
  NatTableState backward = state();
  std::swap(backward.ports[0], backward.ports[1]);
  EXPECT_EQ(renderNatTable(forward).value(), renderNatTable(backward).value());
}

TEST(NatTable, TheSubnetIsWrittenAsItsNetwork) {
  NatTableState s = state();
  s.subnet = addr("10.88.0.1");  // the bridge's own address given with the prefix
  EXPECT_NE(renderNatTable(s).value().find("ip saddr 10.88.0.0/24 oifname"), std::string::npos);
}

TEST(NatTable, NamedTableAndNoPorts) {
  NatTableState s = state();
  s.tableName = "agent_test";
  s.ports.clear();
  auto text = renderNatTable(s).value();
  EXPECT_EQ(text.rfind("table ip agent_test {\n", 0), 0u);
  EXPECT_NE(text.find("\tchain published {\n\t}\n"), std::string::npos);
}

TEST(NatTable, RefusesWhatNoTableShouldBeMadeOf) {
  auto refusal = [](auto change) {
    NatTableState s = state();
    change(s);
    auto text = renderNatTable(s);
    EXPECT_FALSE(text);
    return text ? std::string() : text.error().message();
  };
  EXPECT_NE(refusal([](auto& s) { s.tableName = "agent; flush ruleset"; }).find("table name"), std::string::npos);
  EXPECT_NE(refusal([](auto& s) { s.bridgeName = "br\" accept"; }).find("bridge name"), std::string::npos);
  EXPECT_NE(refusal([](auto& s) { s.bridgeName = "a-name-too-long0"; }).find("bridge name"), std::string::npos);
  EXPECT_NE(refusal([](auto& s) { s.prefixLength = 0; }).find("prefix length"), std::string::npos);
  EXPECT_NE(refusal([](auto& s) { s.ports[0].hostPort = 0; }).find("port 0"), std::string::npos);
  EXPECT_NE(refusal([](auto& s) { s.ports[1].containerAddress = addr("10.89.0.3"); }).find("outside the bridge's"),
            std::string::npos);
  // An "every address" port and a port on one address of the same number and protocol overlap.
  EXPECT_EQ(refusal([](auto& s) { s.ports[1] = s.ports[0], s.ports[1].hostAddress = addr("192.0.2.1"); }),
            "The published ports 18080:8080/tcp and 192.0.2.1:18080:8080/tcp take the same host port: give one of "
            "them another host port.");
  NatTableState other = state();
  other.ports[1] = other.ports[0];
  other.ports[1].protocol = PortProtocol::udp;  // the same number in udp is another port
  EXPECT_TRUE(renderNatTable(other));
}

TEST(NftablesError, OneSentenceFromNftsBuffer) {
  EXPECT_EQ(nftablesErrorSentence("delete the table `agent`",
                                  "Error: Could not process rule: Operation not permitted\n"
                                  "delete table ip agent\n                ^^^^^\n"
                                  "Error: Could not process rule: Operation not permitted\nadd table ip agent\n"),
            "nftables refused to delete the table `agent`: Could not process rule: Operation not permitted (at "
            "`delete table ip agent`).");
  EXPECT_EQ(nftablesErrorSentence("list the tables", "<cmdline>:1:6-9: Error: syntax error, unexpected junk.\n"),
            "nftables refused to list the tables: syntax error, unexpected junk.");
  EXPECT_EQ(nftablesErrorSentence("list the tables", ""), "nftables refused to list the tables and gave no reason.");
}

}  // namespace
}  // namespace agent::net
