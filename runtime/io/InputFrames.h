#pragma once
// The framing of a client's input on an upgraded stream (exec, attach), used when the client
// asks for it with the request header `Agent-Stream-Input: frames`. Each frame is a kind byte,
// its payload's length as a 4-byte big-endian number, then the payload. Kinds: data (1); the
// end of the input (2, empty), as a TCP half-close is on a plain stream (stdin's end); a tick
// (3, empty), which says nothing and may come at any time, after the end too.
//
// Why: over TLS, libmicrohttpd 0.9.75 relays the client's bytes to agentd's session through a
// socketpair and passes no half-close on (a close_notify stops its reading, the session hears
// nothing), so `echo x | agentctl exec -i web cat` over https would wait for ever. And when the
// session ends, the relay can miss the end (its event is taken before the connection is marked
// closed) and hold the connection until the client sends something: agentctl sends a tick
// each 100 ms it has sent nothing. agentctl frames its input on https streams; plain http
// streams stay raw bytes, as Docker's do.
#include <cstdint>
#include <string>
#include <string_view>

#include "Error.h"

namespace agent {

inline constexpr std::string_view kInputFramesHeader = "Agent-Stream-Input";  // its value: "frames"
inline constexpr size_t kInputFrameHeaderBytes = 5;
enum class InputFrameKind : uint8_t { Data = 1, End = 2, Tick = 3 };
// No writer makes bigger frames; a length over it is a broken stream, not a frame.
inline constexpr uint32_t kMaxInputFrame = 1u << 20;

// Appends `payload` to `out` as frames of at most kMaxInputFrame bytes (nothing for an empty one).
void appendInputFrames(std::string& out, std::string_view payload);
// The end of the input, and a tick: frames without payload.
std::string inputEndFrame();
std::string inputTickFrame();

// Reads frames as their bytes come, in pieces of any size.
class InputFrameDecoder {
 public:
  // The payload bytes that `bytes` completes, in order (a frame's payload is passed on as it
  // comes, not held until whole). EPROTO for an unknown kind, a length over kMaxInputFrame, an
  // end or a tick with a payload, or data after the end.
  Result<std::string> feed(std::string_view bytes);
  bool ended() const { return ended_; }

 private:
  std::string header_;      // a header's bytes, while fewer than 5 are in
  uint32_t remaining_ = 0;  // payload bytes of the current frame still to come
  bool ended_ = false;
};

}  // namespace agent
