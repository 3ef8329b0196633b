#pragma once
// PID 1's output, appended to a file capped in size: past the cap the file becomes
// `<path>.1` (replacing the previous one) and a new file starts, so at most twice the cap is
// ever kept.
#include <cstdint>
#include <string>
#include <string_view>

#include "Error.h"
#include "UniqueFd.h"

namespace agent::container {

class LogFile {
 public:
  static Result<LogFile> open(std::string path, uint64_t maxBytes);
  Result<void> append(std::string_view bytes);

 private:
  LogFile(std::string path, uint64_t maxBytes, UniqueFd fd, uint64_t size)
      : path_(std::move(path)), maxBytes_(maxBytes), fd_(std::move(fd)), size_(size) {}
  Result<void> rotate();

  std::string path_;
  uint64_t maxBytes_;
  UniqueFd fd_;
  uint64_t size_;
};

}  // namespace agent::container
