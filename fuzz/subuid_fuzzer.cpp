// Any bytes as /etc/subuid (agentd reads it for --userns auto): no crash, no sanitizer report;
// every range accepted fits in 32-bit ids and is not empty; a refusal names the file and a
// line; the slots cut from what parsed lie inside those ranges and never overlap.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "IdSlots.h"
#include "SubordinateIds.h"

using namespace agent::userns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ranges = subordinateRangesOf(text, "agent", 999, "/etc/subuid");
  if (!ranges) {
    auto message = ranges.error().message();
    if (message.find("/etc/subuid") == std::string::npos || message.find("line ") == std::string::npos) std::abort();
    return 0;
  }
  for (const auto& r : *ranges) {
    if (r.count == 0 || r.start + r.count > UINT32_MAX) std::abort();
  }
  auto slots = slotsOf(*ranges, *ranges);
  for (size_t i = 0; i < slots.size(); ++i) {
    bool inside = false;
    for (const auto& r : *ranges)
      inside |= slots[i].hostUid >= r.start && slots[i].hostUid + 65536ull <= r.start + r.count;
    if (!inside) std::abort();
    if (firstFreeSlot({slots[i]}, {slots[i]})) std::abort();
  }
  return 0;
}
