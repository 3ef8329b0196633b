#include "MessageText.h"

#include <cstdio>

namespace agent {

std::string escapedForMessage(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '"':
      case '\\':
        out += '\\';
        out += static_cast<char>(c);
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02x", c);
          out += hex;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string quotedForMessage(std::string_view text, size_t shownBytes) {
  bool cut = text.size() > shownBytes;
  return "\"" + escapedForMessage(text.substr(0, shownBytes)) + (cut ? "...\"" : "\"");
}

}  // namespace agent
