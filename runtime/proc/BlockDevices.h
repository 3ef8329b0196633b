#pragma once
// Names of block devices by number, as cAdvisor labels its disk series ("/dev/sda"): the
// cgroup files count I/O per major:minor, and /sys/dev/block/<major>:<minor>/uevent names
// the device (DEVNAME=sda). Looked up once per device; devices rarely come and go.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace agent::proc {

// DEVNAME of a uevent file's text; empty when it has none.
std::string parseUeventDevName(std::string_view text);

class BlockDevices {
 public:
  explicit BlockDevices(std::string sysRoot = "/sys") : sysRoot_(std::move(sysRoot)) {}
  // "/dev/<name>", or "" when sysfs does not know the device (then callers show major:minor).
  // Not thread-safe: one collector calls it.
  const std::string& nameOf(uint32_t major, uint32_t minor);

 private:
  std::string sysRoot_;
  std::map<std::pair<uint32_t, uint32_t>, std::string> names_;
};

}  // namespace agent::proc
