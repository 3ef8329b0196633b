#include "InputFrames.h"

#include <algorithm>

namespace agent {

namespace {

std::string header(InputFrameKind kind, uint32_t length) {
  return {static_cast<char>(kind), static_cast<char>(length >> 24), static_cast<char>(length >> 16),
          static_cast<char>(length >> 8), static_cast<char>(length)};
}

}  // namespace

void appendInputFrames(std::string& out, std::string_view payload) {
  while (!payload.empty()) {
    size_t size = std::min<size_t>(payload.size(), kMaxInputFrame);
    out += header(InputFrameKind::Data, static_cast<uint32_t>(size));
    out += payload.substr(0, size);
    payload.remove_prefix(size);
  }
}

std::string inputEndFrame() {
  return header(InputFrameKind::End, 0);
}
std::string inputTickFrame() {
  return header(InputFrameKind::Tick, 0);
}

Result<std::string> InputFrameDecoder::feed(std::string_view bytes) {
  std::string payload;
  while (!bytes.empty()) {
    if (remaining_ > 0) {
      size_t take = std::min<size_t>(remaining_, bytes.size());
      payload += bytes.substr(0, take);
      remaining_ -= static_cast<uint32_t>(take);
      bytes.remove_prefix(take);
      continue;
    }
    size_t take = std::min(kInputFrameHeaderBytes - header_.size(), bytes.size());
    header_ += bytes.substr(0, take);
    bytes.remove_prefix(take);
    if (header_.size() < kInputFrameHeaderBytes) break;
    auto byte = [&](size_t i) { return static_cast<uint8_t>(header_[i]); };
    uint8_t kind = byte(0);
    uint32_t length = uint32_t{byte(1)} << 24 | uint32_t{byte(2)} << 16 | uint32_t{byte(3)} << 8 | byte(4);
    header_.clear();
    if (kind == static_cast<uint8_t>(InputFrameKind::Data)) {
      if (ended_) return logicError("read input frames (data after the end frame)", "", EPROTO);
      if (length > kMaxInputFrame)
        return logicError("read input frames (a frame of " + std::to_string(length) + " bytes)", "", EPROTO);
      remaining_ = length;
    } else if (kind == static_cast<uint8_t>(InputFrameKind::End) && length == 0) {
      ended_ = true;
    } else if (kind != static_cast<uint8_t>(InputFrameKind::Tick) || length != 0) {
      return logicError("read input frames (not a frame header)", "", EPROTO);
    }
  }
  return payload;
}

}  // namespace agent
