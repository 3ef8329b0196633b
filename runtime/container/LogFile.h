#pragma once
// PID 1's output, appended as frames (LogFormat.h) to a file capped in size: when the next
// frame would pass the cap, the file becomes `<path>.1` (replacing the previous one) and a new
// file starts where it ended, so at most twice the cap is ever kept. `<path>` always names a
// whole file, its header included: a reader never meets one being made. The cap bounds the
// files, never the stream: a rotation that would discard output an attached reader has not
// received waits for it (`mayDiscardBefore`), and append() then takes only what fits.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "Error.h"
#include "StreamFrames.h"
#include "UniqueFd.h"

namespace agent::container {

class LogFile {
 public:
  // Asked before a rotation: may everything before `position` be discarded?
  using RotationGate = std::function<bool(uint64_t position)>;
  // A smaller cap is raised to this (a page: room for the header and some frames).
  static constexpr uint64_t kMinLogBytes = 4096;

  // Continues a log this format wrote, or starts one (a plain log of an older agent there is
  // moved to `<path>.1` first).
  static Result<LogFile> open(std::string path, uint64_t maxBytes, RotationGate mayDiscardBefore = {});
  void setRotationGate(RotationGate mayDiscardBefore) { gate_ = std::move(mayDiscardBefore); }
  // Appends `bytes` of `stream` as frames, splitting them where the file fills. Returns how
  // many bytes it took: all of them, unless the file is full and the gate holds the rotation
  // back (then the caller offers the rest again later).
  Result<size_t> append(OutputStream stream, std::string_view bytes);
  // The position after the last frame written.
  uint64_t endPosition() const { return start_ + size_ - kHeaderBytes; }

 private:
  static constexpr uint64_t kHeaderBytes = 16;
  LogFile(std::string path, uint64_t maxBytes, RotationGate gate, UniqueFd fd, uint64_t start, uint64_t size)
      : path_(std::move(path)),
        maxBytes_(maxBytes),
        gate_(std::move(gate)),
        fd_(std::move(fd)),
        start_(start),
        size_(size) {}
  enum class KeepCurrent { No, AsRotatedCopy };
  // A new file starting at `start`, its header written, aside (not yet at `path`).
  static Result<UniqueFd> createAside(const std::string& path, uint64_t start);
  // Puts the file createAside made at `path`, first moving the file there to `<path>.1` if
  // asked; `path` names a whole file (header included) throughout.
  static Result<void> putInPlace(const std::string& path, KeepCurrent keep);
  Result<void> rotate();
  Result<void> writeFrame(OutputStream stream, std::string_view payload);

  std::string path_;
  uint64_t maxBytes_;
  RotationGate gate_;
  UniqueFd fd_;
  uint64_t start_;  // position of the current file's first frame
  uint64_t size_;   // bytes in the current file, header included
};

}  // namespace agent::container
