#pragma once
// Reads a container's log (LogFormat.h) from a position: the rotated copy while it still holds
// the position, then the current file, so a reader that was one rotation behind loses nothing,
// and one that was further behind is told how much it missed rather than silently skipped.
#include <cstdint>
#include <optional>
#include <string>

#include "Error.h"

namespace agent::container {

struct LogChunk {
  std::string frames;     // whole frames (StreamFrames.h), as stored
  uint64_t position = 0;  // where the next read starts
  uint64_t lost = 0;      // positions skipped: rotated away before anyone read them
  bool caughtUp = false;  // the log held nothing more when it was read
};

// Frames from `position`, or from the oldest output kept when it is empty. At most `maxBytes`
// of frames, but at least one whole frame when there is one and `maxBytes` is not 0.
// EINVAL for a position past the end of the output or not at a frame's start.
Result<LogChunk> readLogFrom(const std::string& path, std::optional<uint64_t> position, size_t maxBytes);

// The last `lines` lines of the output (the first frame cut where they start), then as
// readLogFrom: `position` is where the next read continues.
Result<LogChunk> readLogTail(const std::string& path, uint64_t lines, size_t maxBytes);

}  // namespace agent::container
