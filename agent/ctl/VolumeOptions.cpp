#include "VolumeOptions.h"

#include <iostream>

#include "VolumeSpec.h"

namespace agent::ctl {

bool addVolumeFields(const RunOptions& o, nlohmann::json& body) {
  std::vector<container::VolumeSpec> volumes;
  for (const auto& text : o.volumes) {
    auto volume = container::parseVolumeOption(text);
    if (!volume) {
      std::cerr << "agentctl: " << volume.error().message() << '\n';
      return false;
    }
    volumes.push_back(*volume);
  }
  for (const auto& text : o.tmpfs) {
    auto volume = container::parseTmpfsOption(text);
    if (!volume) {
      std::cerr << "agentctl: " << volume.error().message() << '\n';
      return false;
    }
    volumes.push_back(*volume);
  }
  if (auto valid = container::validateVolumes(volumes); !valid) {
    std::cerr << "agentctl: " << valid.error().message() << '\n';
    return false;
  }
  if (!o.volumes.empty()) body["volumes"] = o.volumes;
  if (!o.tmpfs.empty()) body["tmpfs"] = o.tmpfs;
  if (o.readOnly) body["read_only"] = true;
  return true;
}

}  // namespace agent::ctl
