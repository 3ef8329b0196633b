#pragma once
#include <chrono>
#include <cstdint>

namespace agent {

// Wall-clock time in milliseconds since the Unix epoch, as records and metrics show it.
inline int64_t nowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace agent
