#pragma once
// A container's log on disk (DATA_DIR/containers/<id>/log, and log.1 once rotated):
//
//   "AGENTLOG" (8 bytes), then the file's start position (u64, big-endian), then frames
//   (StreamFrames.h) as agent-shim read them from PID 1's stdout and stderr, in order.
//
// A position counts the frame bytes (headers and payloads) of the container's whole output
// since it started: a file starting at S with N bytes of frames holds positions [S, S + N).
// After a rotation the new file starts where the rotated one ends, so a reader keeps its place
// across files, and a position older than the rotated copy's start is known to be lost.
// A file without the header is a plain log of an agent before this format: all stdout.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agent::container {

inline constexpr std::string_view kLogMagic = "AGENTLOG";
inline constexpr size_t kLogHeaderBytes = 16;

std::string logFileHeader(uint64_t startPosition);
// The start position if `bytes` begins with a log header; nullopt for a plain (old) log.
std::optional<uint64_t> parseLogFileHeader(std::string_view bytes);

// The rotated copy of the log at `path`.
inline std::string rotatedLogPath(const std::string& path) {
  return path + ".1";
}

}  // namespace agent::container
