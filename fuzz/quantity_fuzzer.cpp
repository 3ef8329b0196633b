// Any bytes as a cpu, memory or pids quantity: no crash, no sanitizer report, and whatever
// parses prints back to a canonical form that parses again to the same value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "Quantity.h"

using namespace agent;
using namespace agent::policies;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto cpu = parseCpu(text, 64)) {
    auto again = parseCpu(formatCpu(*cpu), 64);
    if (!again || again->quotaUs != cpu->quotaUs) std::abort();
  }
  if (auto memory = parseMemory(text)) {
    auto again = parseMemory(formatMemory(*memory));
    if (!again || *again != *memory) std::abort();
  }
  if (auto pids = parsePids(text)) {
    auto again = parsePids(formatPids(*pids));
    if (!again || *again != *pids) std::abort();
  }
  return 0;
}
