#include "StreamFrames.h"

namespace agent {

std::string frameHeader(OutputStream stream, uint32_t payloadBytes) {
  return {static_cast<char>(stream),
          0,
          0,
          0,
          static_cast<char>(payloadBytes >> 24),
          static_cast<char>(payloadBytes >> 16),
          static_cast<char>(payloadBytes >> 8),
          static_cast<char>(payloadBytes)};
}

void appendFrame(std::string& out, OutputStream stream, std::string_view payload) {
  out += frameHeader(stream, static_cast<uint32_t>(payload.size()));
  out += payload;
}

Result<std::optional<FrameHeader>> parseFrameHeader(std::string_view bytes) {
  if (bytes.size() < kFrameHeaderBytes) return std::nullopt;
  auto byte = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  uint32_t size = uint32_t{byte(4)} << 24 | uint32_t{byte(5)} << 16 | uint32_t{byte(6)} << 8 | byte(7);
  if (byte(0) < 1 || byte(0) > 3 || byte(1) != 0 || byte(2) != 0 || byte(3) != 0 || size > kMaxFramePayload) {
    return logicError("read output frames (not a frame header)", "", EPROTO);
  }
  return FrameHeader{static_cast<OutputStream>(byte(0)), size};
}

}  // namespace agent
