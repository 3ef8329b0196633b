// -p and ExposedPorts as text (PortMapping.h): every form Docker's CLI takes that bridge
// networking publishes, every refusal, and the texts back (-p, docker ps's PORTS column).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "PortMapping.h"

namespace agent::net {
namespace {

in_addr addr(const char* text) {
  in_addr a{};
  inet_pton(AF_INET, text, &a);
  return a;
}

struct Accepted {
  const char* text;
  const char* hostAddress;
  uint16_t hostPort;
  uint16_t containerPort;
  PortProtocol protocol;
  const char* canonical;  // portRequestText of the result
};

TEST(PortMapping, AcceptsEveryForm) {
  const Accepted cases[] = {
      {"80", "0.0.0.0", 0, 80, PortProtocol::tcp, "80/tcp"},
      {"80/tcp", "0.0.0.0", 0, 80, PortProtocol::tcp, "80/tcp"},
      {"53/udp", "0.0.0.0", 0, 53, PortProtocol::udp, "53/udp"},
      {"8080:80", "0.0.0.0", 8080, 80, PortProtocol::tcp, "8080:80/tcp"},
      {"5353:53/udp", "0.0.0.0", 5353, 53, PortProtocol::udp, "5353:53/udp"},
      {"127.0.0.1:8080:80", "127.0.0.1", 8080, 80, PortProtocol::tcp, "127.0.0.1:8080:80/tcp"},
      {"192.0.2.7:5353:53/udp", "192.0.2.7", 5353, 53, PortProtocol::udp, "192.0.2.7:5353:53/udp"},
      {"127.0.0.1::80", "127.0.0.1", 0, 80, PortProtocol::tcp, "127.0.0.1::80/tcp"},
      {"127.0.0.1::53/udp", "127.0.0.1", 0, 53, PortProtocol::udp, "127.0.0.1::53/udp"},
      {"0.0.0.0:8080:80", "0.0.0.0", 8080, 80, PortProtocol::tcp, "8080:80/tcp"},
      {"65535:1", "0.0.0.0", 65535, 1, PortProtocol::tcp, "65535:1/tcp"},
      {"08080:080", "0.0.0.0", 8080, 80, PortProtocol::tcp, "8080:80/tcp"},  // strconv.ParseUint's leading zeros
  };
  for (const Accepted& c : cases) {
    auto request = parsePortRequest(c.text);
    ASSERT_TRUE(request) << c.text << ": " << request.error().message();
    EXPECT_EQ(request->hostAddress.s_addr, addr(c.hostAddress).s_addr) << c.text;
    EXPECT_EQ(request->hostPort, c.hostPort) << c.text;
    EXPECT_EQ(request->containerPort, c.containerPort) << c.text;
    EXPECT_EQ(request->protocol, c.protocol) << c.text;
    EXPECT_EQ(portRequestText(*request), c.canonical) << c.text;
    auto again = parsePortRequest(portRequestText(*request));
    ASSERT_TRUE(again) << c.canonical;
    EXPECT_EQ(portRequestText(*again), c.canonical);
  }
}

struct Refused {
  const char* text;
  const char* says;  // a part of the sentence that tells why
};

TEST(PortMapping, RefusesWithASentenceNamingTheText) {
  const Refused cases[] = {
      {"[::1]:8080:80", "IPv6 host address"},
      {"::1:8080:80", "IPv6 host address"},
      {"fe80::1::80", "IPv6 host address"},
      {"8000-8010:80", "port range"},
      {"8000-8010", "port range"},
      {"127.0.0.1:8000-8010:80-90/udp", "port range"},
      {"0:80", "port 0, outside 1 to 65535"},
      {"8080:0", "port 0, outside 1 to 65535"},
      {"0", "port 0, outside 1 to 65535"},
      {"65536:80", "port 65536, outside 1 to 65535"},
      {"8080:99999", "port 99999, outside 1 to 65535"},
      {"8080:123456", "port 123456, outside 1 to 65535"},
      {"80/sctp", "protocol `sctp`, which is neither tcp nor udp"},
      {"80/", "protocol ``"},
      {"80/TCP", "protocol `TCP`"},
      {"localhost:8080:80", "`localhost` where the host's IPv4 address belongs"},
      {"127.0.0.01:8080:80", "`127.0.0.01` where the host's IPv4 address belongs"},
      {"10.1:8080:80", "`10.1` where the host's IPv4 address belongs"},
      {"http:80", "`http` where a port belongs"},
      {"8080:http", "`http` where a port belongs"},
      {"+80", "`+80` where a port belongs"},
      {" 80", "` 80` where a port belongs"},
      {"", "`` where a port belongs"},
      {":80", "`` where a port belongs"},
      {"8080:", "`` where a port belongs"},
      {"80/tcp/udp", "`80/tcp` where a port belongs"},
  };
  for (const Refused& c : cases) {
    auto request = parsePortRequest(c.text);
    ASSERT_FALSE(request) << c.text << " was taken";
    const Error& error = request.error();
    EXPECT_TRUE(error.sentence) << c.text;
    EXPECT_EQ(error.errnum, EINVAL) << c.text;
    std::string message = error.message();
    EXPECT_NE(message.find(std::string("The published port `") + c.text + "`"), std::string::npos) << message;
    EXPECT_NE(message.find(c.says), std::string::npos) << c.text << ": " << message;
    EXPECT_NE(message.find("[HOSTIP:][HOSTPORT:]CTRPORT[/tcp|udp]"), std::string::npos) << message;
  }
}

TEST(PortMapping, ReadsExposedPortsKeysForPublishAll) {
  for (auto [key, port, protocol] :
       {std::tuple{"80/tcp", 80, PortProtocol::tcp}, std::tuple{"53/udp", 53, PortProtocol::udp},
        std::tuple{"8080", 8080, PortProtocol::tcp}}) {
    auto request = parseExposedPort(key);
    ASSERT_TRUE(request) << key << ": " << request.error().message();
    EXPECT_EQ(request->hostAddress.s_addr, INADDR_ANY) << key;
    EXPECT_EQ(request->hostPort, 0) << key;
    EXPECT_EQ(request->containerPort, port) << key;
    EXPECT_EQ(request->protocol, protocol) << key;
  }
}

TEST(PortMapping, RefusesExposedPortsKeysItCannotPublish) {
  for (auto [key, says] : {std::pair{"8000-8010/tcp", "port range"}, std::pair{"132/sctp", "protocol `sctp`"},
                           std::pair{"0/tcp", "port 0"}, std::pair{"8080:80", "`8080:80` where a port belongs"},
                           std::pair{"", "`` where a port belongs"}}) {
    auto request = parseExposedPort(key);
    ASSERT_FALSE(request) << key << " was taken";
    std::string message = request.error().message();
    EXPECT_NE(message.find(std::string("The image's exposed port `") + key + "`"), std::string::npos) << message;
    EXPECT_NE(message.find(says), std::string::npos) << message;
  }
}

TEST(PortMapping, ShowsPublishedPortsAsDockerPs) {
  EXPECT_EQ(publishedPortText({addr("0.0.0.0"), 8080, PortProtocol::tcp, addr("172.30.0.2"), 80}),
            "0.0.0.0:8080->80/tcp");
  EXPECT_EQ(publishedPortText({addr("127.0.0.1"), 5353, PortProtocol::udp, addr("172.30.0.3"), 53}),
            "127.0.0.1:5353->53/udp");
}

}  // namespace
}  // namespace agent::net
