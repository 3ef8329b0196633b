#include "PortMapping.h"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "Ipv4Address.h"
#include "MessageText.h"

namespace agent::net {
namespace {

constexpr const char* kForms =
    "use [HOSTIP:][HOSTPORT:]CTRPORT[/tcp|udp] with an IPv4 HOSTIP and ports 1 to 65535, for example "
    "-p 8080:80, -p 127.0.0.1:8080:80/udp or -p 80 (a free host port)";

// The text as the user gave it, made safe for a one-line message (API clients send any bytes).
std::string quotedText(std::string_view text) {
  return quotedForMessage(text, 64);
}

// 1..65535 in decimal digits (leading zeros allowed, as Docker's strconv.ParseUint allows them).
std::optional<uint16_t> parsePort(std::string_view text) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  unsigned value = 0;
  for (char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

bool looksLikeRange(std::string_view port) {
  size_t dash = port.find('-');
  return dash != std::string_view::npos && dash > 0 && dash + 1 < port.size();
}

bool allDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Splits "PORTS[/PROTO]" into its protocol (tcp when none) and what stands before the slash.
Result<PortProtocol> splitProtocol(std::string_view& text, const std::string& subject, const std::string& forms) {
  size_t slash = text.rfind('/');
  if (slash == std::string_view::npos) return PortProtocol::tcp;
  std::string_view name = text.substr(slash + 1);
  text = text.substr(0, slash);
  if (name == "tcp") return PortProtocol::tcp;
  if (name == "udp") return PortProtocol::udp;
  return userError(subject + " names the protocol " + quotedText(name) + ", which is neither tcp nor udp: " + forms +
                   ".");
}

// The refusal of one port field: a range, a 0 or too large a number, or junk.
tl::unexpected<Error> badPort(std::string_view field, const std::string& subject, const std::string& forms) {
  if (looksLikeRange(field))
    return userError(subject + " is a port range, which bridge networking does not publish: give one port per -p, " +
                     forms + ".");
  if (allDigits(field))
    return userError(subject + " has the port " + std::string(field) + ", outside 1 to 65535: " + forms + ".");
  return userError(subject + " has " + quotedText(field) + " where a port belongs: " + forms + ".");
}

std::vector<std::string_view> splitColons(std::string_view text) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) return parts;
    start = colon + 1;
  }
}

}  // namespace

Result<PortRequest> parsePortRequest(std::string_view text) {
  std::string subject = "The published port " + quotedText(text);
  std::string_view rest = text;
  PortRequest request;
  auto protocol = splitProtocol(rest, subject, kForms);
  if (!protocol) return tl::unexpected(protocol.error());
  request.protocol = *protocol;

  std::vector<std::string_view> parts = splitColons(rest);
  if (rest.find('[') != std::string_view::npos || parts.size() > 3)
    return userError(subject +
                     " has an IPv6 host address, and bridge networking publishes on IPv4 only: give an IPv4 " +
                     "address such as 127.0.0.1, or none for every address (" + kForms + ").");
  if (parts.size() == 3) {
    auto address = parseIpv4Address(parts[0]);
    if (!address)
      return userError(subject + " has " + quotedText(parts[0]) + " where the host's IPv4 address belongs: " + kForms +
                       ".");
    request.hostAddress.s_addr = htonl(address->value);
  }
  if (parts.size() >= 2) {
    std::string_view hostPort = parts[parts.size() - 2];
    if (!(parts.size() == 3 && hostPort.empty())) {
      auto port = parsePort(hostPort);
      if (!port) return badPort(hostPort, subject, kForms);
      request.hostPort = *port;
    }
  }
  auto containerPort = parsePort(parts.back());
  if (!containerPort) return badPort(parts.back(), subject, kForms);
  request.containerPort = *containerPort;
  return request;
}

Result<PortRequest> parseExposedPort(std::string_view key) {
  std::string subject = "The image's exposed port " + quotedText(key);
  std::string forms = "an image exposes PORT[/tcp|udp] with a port 1 to 65535; publish its ports with -p instead of -P";
  std::string_view rest = key;
  PortRequest request;
  auto protocol = splitProtocol(rest, subject, forms);
  if (!protocol) return tl::unexpected(protocol.error());
  request.protocol = *protocol;
  auto port = parsePort(rest);
  if (!port) return badPort(rest, subject, forms);
  request.containerPort = *port;
  return request;
}

std::string portRequestText(const PortRequest& request) {
  std::string text;
  if (request.hostAddress.s_addr != INADDR_ANY) text = formatAddress(request.hostAddress) + ":";
  if (request.hostPort != 0)
    text += std::to_string(request.hostPort) + ":";
  else if (!text.empty())
    text += ":";
  return text + std::to_string(request.containerPort) + "/" + protocolName(request.protocol);
}

std::string publishedPortText(const PublishedPort& port) {
  return formatAddress(port.hostAddress) + ":" + std::to_string(port.hostPort) + "->" +
         std::to_string(port.containerPort) + "/" + protocolName(port.protocol);
}

// Declared in NatTable.h; defined here, in the library agentctl and the fuzzer link without
// libnftables.
std::string protocolName(PortProtocol protocol) {
  return protocol == PortProtocol::udp ? "udp" : "tcp";
}

std::string formatAddress(in_addr address) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &address, text, sizeof text);
  return text;
}

}  // namespace agent::net
