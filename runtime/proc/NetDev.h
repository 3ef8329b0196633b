#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agent::proc {

// One interface line of /proc/<pid>/net/dev: the counters of the network namespace the
// process is in.
struct NetDevStats {
  std::string interface;
  uint64_t rxBytes = 0, rxPackets = 0, rxErrors = 0, rxDropped = 0;
  uint64_t txBytes = 0, txPackets = 0, txErrors = 0, txDropped = 0;
};

// The two header lines and malformed lines are skipped.
std::vector<NetDevStats> parseNetDev(std::string_view text);

}  // namespace agent::proc
