#include "NetDev.h"

#include <array>

#include "TextParse.h"

namespace agent::proc {

std::vector<NetDevStats> parseNetDev(std::string_view text) {
  std::vector<NetDevStats> interfaces;
  while (!text.empty()) {
    std::string_view line = text::nextLine(text);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = text::trim(line.substr(0, colon));
    // Header lines have '|' and no ':'; a name never contains '|'.
    if (name.empty() || name.find('|') != std::string_view::npos) continue;
    std::string_view rest = line.substr(colon + 1);
    std::array<uint64_t, 16> counters{};
    bool ok = true;
    for (auto& counter : counters) {
      auto value = text::toU64(text::nextField(rest));
      if (!value) {
        ok = false;
        break;
      }
      counter = *value;
    }
    if (!ok) continue;
    NetDevStats stats;
    stats.interface = std::string(name);
    stats.rxBytes = counters[0];
    stats.rxPackets = counters[1];
    stats.rxErrors = counters[2];
    stats.rxDropped = counters[3];
    stats.txBytes = counters[8];
    stats.txPackets = counters[9];
    stats.txErrors = counters[10];
    stats.txDropped = counters[11];
    interfaces.push_back(std::move(stats));
  }
  return interfaces;
}

}  // namespace agent::proc
