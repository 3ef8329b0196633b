#include "SocketTable.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "TextParse.h"

namespace agent::net {
namespace {

std::optional<uint32_t> hexWord(std::string_view text) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// "0100007F:1F90" or the 32 hex digits of an IPv6 address, a colon and the port.
bool parseLocal(std::string_view field, bool ipv6, BoundSocket& socket) {
  size_t colon = field.find(':');
  size_t digits = ipv6 ? 32 : 8;
  if (colon != digits) return false;
  auto port = hexWord(field.substr(colon + 1));
  if (!port || *port > 0xFFFF) return false;
  socket.port = static_cast<uint16_t>(*port);
  char text[INET6_ADDRSTRLEN] = {};
  if (!ipv6) {
    auto word = hexWord(field.substr(0, 8));
    if (!word) return false;
    in_addr address{*word};
    socket.ipv4 = address;
    socket.address = inet_ntop(AF_INET, &address, text, sizeof text);
    return true;
  }
  in6_addr address{};
  for (int i = 0; i < 4; ++i) {
    auto word = hexWord(field.substr(static_cast<size_t>(i) * 8, 8));
    if (!word) return false;
    std::memcpy(&address.s6_addr[i * 4], &*word, 4);
  }
  socket.address = inet_ntop(AF_INET6, &address, text, sizeof text);
  if (IN6_IS_ADDR_UNSPECIFIED(&address)) {
    socket.ipv4 = in_addr{INADDR_ANY};
  } else if (IN6_IS_ADDR_V4MAPPED(&address)) {
    in_addr mapped{};
    std::memcpy(&mapped, &address.s6_addr[12], 4);
    socket.ipv4 = mapped;
  }
  return true;
}

}  // namespace

std::vector<BoundSocket> parseSocketTable(std::string_view text, bool ipv6) {
  std::vector<BoundSocket> sockets;
  text::nextLine(text);  // the header
  while (!text.empty()) {
    std::string_view line = text::nextLine(text);
    std::string_view fields[10];
    for (std::string_view& field : fields) field = text::nextField(line);
    BoundSocket socket;
    auto state = hexWord(fields[3]);
    auto inode = text::toU64(fields[9]);
    if (!parseLocal(fields[1], ipv6, socket) || !state || !inode) continue;
    socket.state = *state;
    socket.inode = static_cast<ino_t>(*inode);
    sockets.push_back(std::move(socket));
  }
  return sockets;
}

bool bindsOverlap(in_addr a, in_addr b) {
  return a.s_addr == b.s_addr || a.s_addr == INADDR_ANY || b.s_addr == INADDR_ANY;
}

}  // namespace agent::net
