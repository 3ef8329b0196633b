#include "BootClock.h"

#include "TextParse.h"

namespace agent::proc {

std::optional<int64_t> parseBootTimeSeconds(std::string_view procStat) {
  while (!procStat.empty()) {
    std::string_view line = text::nextLine(procStat);
    if (text::nextField(line) == "btime") return text::toI64(line);
  }
  return std::nullopt;
}

double BootClock::unixSecondsOf(uint64_t startTimeTicks) const {
  // Whole seconds and the remaining ticks apart: a double holds both exactly.
  auto ticks = static_cast<uint64_t>(ticksPerSecond > 0 ? ticksPerSecond : 100);
  return static_cast<double>(bootTimeSeconds + static_cast<int64_t>(startTimeTicks / ticks)) +
         static_cast<double>(startTimeTicks % ticks) / static_cast<double>(ticks);
}

}  // namespace agent::proc
