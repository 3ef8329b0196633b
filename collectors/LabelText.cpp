#include "LabelText.h"

#include <cstdint>

namespace agent::collectors {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence at the start of `s` (Unicode's table 3-7: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0 when its first byte starts none.
size_t sequenceLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  auto continuation = [&](size_t i, uint8_t low = 0x80, uint8_t high = 0xBF) {
    return i < s.size() && byte(i) >= low && byte(i) <= high;
  };
  uint8_t first = byte(0);
  if (first < 0x80) return 1;
  if (first >= 0xC2 && first <= 0xDF) return continuation(1) ? 2 : 0;
  if (first >= 0xE0 && first <= 0xEF) {
    uint8_t low = first == 0xE0 ? 0xA0 : 0x80, high = first == 0xED ? 0x9F : 0xBF;
    return continuation(1, low, high) && continuation(2) ? 3 : 0;
  }
  if (first >= 0xF0 && first <= 0xF4) {
    uint8_t low = first == 0xF0 ? 0x90 : 0x80, high = first == 0xF4 ? 0x8F : 0xBF;
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

// Calls `plain(text)` for runs of valid UTF-8 and `special(c)` for the characters the text
// format escapes, with invalid bytes and U+FFFD already mapped.
template <typename Out>
void mapValue(std::string_view value, bool escape, Out& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t i = 0;
  while (i < value.size()) {
    char c = value[i];
    if (escape && (c == '\\' || c == '"' || c == '\n')) {
      out += '\\';
      out += c == '\n' ? 'n' : c;
      ++i;
      continue;
    }
    size_t length = sequenceLength(value.substr(i));
    if (length == 0) {
      auto b = static_cast<uint8_t>(c);
      out += kReplacement;
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
      ++i;
      continue;
    }
    std::string_view character = value.substr(i, length);
    if (character == kReplacement) out += kReplacement;  // doubled: it is not an escape
    out += character;
    i += length;
  }
}

// Nothing to map or escape: the common case (paths, names, images of plain ASCII).
bool plainAscii(std::string_view value, bool escape) {
  for (char c : value) {
    if (static_cast<uint8_t>(c) >= 0x80) return false;
    if (escape && (c == '\\' || c == '"' || c == '\n')) return false;
  }
  return true;
}

}  // namespace

void appendLabelValue(std::string& out, std::string_view value) {
  if (plainAscii(value, true)) {
    out += value;
    return;
  }
  mapValue(value, true, out);
}

std::string utf8LabelValue(std::string_view value) {
  if (plainAscii(value, false)) return std::string(value);
  std::string out;
  out.reserve(value.size() + 8);
  mapValue(value, false, out);
  return out;
}

bool isValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

std::string labelName(std::string_view key) {
  std::string name = "container_label_";
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    name += ok ? c : '_';
  }
  return name;
}

}  // namespace agent::collectors
