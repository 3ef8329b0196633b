#include "BlockDevices.h"

#include "FileAt.h"

namespace agent::proc {

std::string parseUeventDevName(std::string_view text) {
  constexpr std::string_view kKey = "DEVNAME=";
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    if (line.substr(0, kKey.size()) == kKey) return std::string(line.substr(kKey.size()));
    at = end + 1;
  }
  return "";
}

const std::string& BlockDevices::nameOf(uint32_t major, uint32_t minor) {
  auto key = std::make_pair(major, minor);
  if (auto found = names_.find(key); found != names_.end()) return found->second;
  std::string name;
  auto text = readWholeFile(sysRoot_ + "/dev/block/" + std::to_string(major) + ":" + std::to_string(minor) + "/uevent");
  if (text) {
    std::string devName = parseUeventDevName(*text);
    if (!devName.empty()) name = "/dev/" + devName;
  }
  // An unknown device is remembered too: asking sysfs again each cycle would not help.
  return names_.emplace(key, std::move(name)).first->second;
}

}  // namespace agent::proc
