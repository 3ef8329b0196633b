#include "ContainerSpec.h"

namespace agent::container {

std::string_view seccompModeName(SeccompMode mode) {
  switch (mode) {
    case SeccompMode::Default:
      return "default";
    case SeccompMode::Unconfined:
      return "unconfined";
    case SeccompMode::Custom:
      return "custom";
  }
  return "unconfined";
}

std::string_view networkModeName(NetworkMode mode) {
  switch (mode) {
    case NetworkMode::None:
      return "none";
    case NetworkMode::Host:
      return "host";
    case NetworkMode::Bridge:
      return "bridge";
    case NetworkMode::Container:
      return "container";
  }
  return "none";
}

std::string overlayLowerDirs(const ContainerSpec& spec) {
  if (spec.lowerDirs.empty()) return spec.imageRootfs;
  std::string joined;
  for (const auto& dir : spec.lowerDirs) joined += (joined.empty() ? "" : ":") + dir;
  return joined;
}

std::vector<std::string> absoluteLowerDirs(const ContainerSpec& spec) {
  if (spec.lowerDirs.empty()) return {spec.imageRootfs};
  std::vector<std::string> dirs;
  for (const auto& dir : spec.lowerDirs) dirs.push_back(dir.front() == '/' ? dir : spec.lowerBase + "/" + dir);
  return dirs;
}

std::vector<std::string> containerEnvironment(const ContainerSpec& spec) {
  std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
                                  "HOSTNAME=" + spec.hostname};
  for (const auto& entry : spec.env) {
    std::string key = entry.substr(0, entry.find('='));
    std::erase_if(env, [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    env.push_back(entry);
  }
  return env;
}

}  // namespace agent::container
