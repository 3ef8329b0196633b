#include "Ipv4Address.h"

namespace agent::net {

std::optional<Ipv4Address> parseIpv4Address(std::string_view text) {
  uint32_t value = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (text.empty() || text.front() != '.') return std::nullopt;
      text.remove_prefix(1);
    }
    size_t digits = 0;
    uint32_t number = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9' && digits < 3) {
      number = number * 10 + static_cast<uint32_t>(text[digits] - '0');
      ++digits;
    }
    if (digits == 0 || number > 255 || (digits > 1 && text.front() == '0')) return std::nullopt;
    text.remove_prefix(digits);
    value = (value << 8) | number;
  }
  if (!text.empty()) return std::nullopt;
  return Ipv4Address{value};
}

std::string formatIpv4Address(Ipv4Address address) {
  std::string text;
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (shift != 24) text += '.';
    text += std::to_string((address.value >> shift) & 0xFFu);
  }
  return text;
}

}  // namespace agent::net
