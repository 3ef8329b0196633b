#pragma once
// Published ports as people write them: the text of one `-p` (Docker's CLI form,
// docs.docker.com/engine/network/#published-ports), an image config's ExposedPorts key (for
// -P), and `docker ps`'s PORTS column. IPv4 only: the bridge and its nftables table are IPv4
// (NatTable.h), so an IPv6 host address is refused here rather than published nowhere.
#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "Error.h"
#include "NatTable.h"

namespace agent::net {

// What one -p asks for, before agentd picks a host port and knows the container's address.
struct PortRequest {
  in_addr hostAddress{};       // INADDR_ANY (0.0.0.0) when the text names none: every local address
  uint16_t hostPort = 0;       // 0: agentd picks a free one (pickFreeHostPort); else 1..65535
  uint16_t containerPort = 0;  // 1..65535
  PortProtocol protocol = PortProtocol::tcp;
};

// `CTRPORT`, `HOSTPORT:CTRPORT`, `HOSTIP:HOSTPORT:CTRPORT` or `HOSTIP::CTRPORT`, each with an
// optional `/tcp` or `/udp` (tcp when none). HOSTIP is a dotted quad (Ipv4Address.h). A user
// error (EINVAL), one sentence naming the text and the accepted forms, for anything else: an
// IPv6 address, a port range (8000-8010), a port 0 or past 65535, another protocol, junk.
Result<PortRequest> parsePortRequest(std::string_view text);

// An image config's ExposedPorts key: "80/tcp", "53/udp", "8080" (tcp), as -P publishes it:
// every host address, host port 0 (agentd picks). A user error naming the image's key for a
// range ("8000-8010/tcp", which Docker's EXPOSE accepts and we do not) or junk.
Result<PortRequest> parseExposedPort(std::string_view key);

// The -p text of a request, which parsePortRequest reads back the same: "127.0.0.1::80/udp",
// "8080:80/tcp", "80/tcp" (the protocol always; the address only when not 0.0.0.0).
std::string portRequestText(const PortRequest& request);

// As `docker ps` shows a published port: "0.0.0.0:8080->80/tcp".
std::string publishedPortText(const PublishedPort& port);

}  // namespace agent::net
