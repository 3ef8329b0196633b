#pragma once
// The framing of a container's output: the one Docker uses for its multiplexed attach and
// logs streams. Each frame is an 8-byte header (the stream: 1 stdout, 2 stderr, 3 system;
// three zero bytes; the payload's length as a 32-bit big-endian number) and the payload.
// agent-shim stores output this way (LogFile.h), the API sends it as stored, agentctl writes
// each payload to its own stdout or stderr: bytes stay bytes, and the two streams stay apart.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "Error.h"

namespace agent {

enum class OutputStream : uint8_t { Stdout = 1, Stderr = 2, System = 3 };  // System: agent-shim's own words

inline constexpr size_t kFrameHeaderBytes = 8;
// The HTTP Content-Type of a body of frames.
inline constexpr std::string_view kOutputStreamType = "application/vnd.agent.multiplexed-stream";
// No writer makes bigger frames; a header claiming more is corruption, not a frame.
inline constexpr uint32_t kMaxFramePayload = 1u << 20;

// Appends one frame holding `payload` (at most kMaxFramePayload bytes) to `out`.
void appendFrame(std::string& out, OutputStream stream, std::string_view payload);
// The header alone, for a writer that sends the payload from its own buffer.
std::string frameHeader(OutputStream stream, uint32_t payloadBytes);

struct FrameHeader {
  OutputStream stream = OutputStream::Stdout;
  uint32_t payloadBytes = 0;
};

// The header at the front of `bytes`: nullopt if fewer than 8 bytes are there, EPROTO if it is
// no frame header (an unknown stream, padding that is not zero, a length over the bound).
Result<std::optional<FrameHeader>> parseFrameHeader(std::string_view bytes);

// Calls fn(stream, payload) for each whole frame at the front of `bytes` and returns how many
// bytes they took; a frame cut short at the end is left for a later call. EPROTO as above.
template <typename Fn>
Result<size_t> forEachFrame(std::string_view bytes, Fn&& fn) {
  size_t used = 0;
  while (true) {
    auto header = parseFrameHeader(bytes.substr(used));
    if (!header) return tl::unexpected(header.error());
    if (!*header || bytes.size() - used - kFrameHeaderBytes < (*header)->payloadBytes) return used;
    fn((*header)->stream, bytes.substr(used + kFrameHeaderBytes, (*header)->payloadBytes));
    used += kFrameHeaderBytes + (*header)->payloadBytes;
  }
}

}  // namespace agent
