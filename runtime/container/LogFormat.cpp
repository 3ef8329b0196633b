#include "LogFormat.h"

namespace agent::container {

std::string logFileHeader(uint64_t startPosition) {
  std::string header(kLogMagic);
  for (int shift = 56; shift >= 0; shift -= 8) header += static_cast<char>(startPosition >> shift);
  return header;
}

std::optional<uint64_t> parseLogFileHeader(std::string_view bytes) {
  if (bytes.size() < kLogHeaderBytes || bytes.substr(0, kLogMagic.size()) != kLogMagic) return std::nullopt;
  uint64_t start = 0;
  for (size_t i = kLogMagic.size(); i < kLogHeaderBytes; ++i) start = start << 8 | static_cast<uint8_t>(bytes[i]);
  return start;
}

}  // namespace agent::container
