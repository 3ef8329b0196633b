#include "SliceName.h"

namespace agent::systemd {

Result<std::string> slicePath(std::string_view slice) {
  auto refuse = [&](const std::string& why) -> Result<std::string> {
    return userError("cgroup_parent \"" + std::string(slice) + "\" is not a systemd slice name: " + why +
                         " (under the systemd cgroup driver it names a slice, e.g. agent.slice or "
                         "machine-agent.slice; docs/cgroups.md)",
                     EINVAL);
  };
  constexpr std::string_view kSuffix = ".slice";
  if (slice == "-.slice") return std::string("/");
  if (!slice.ends_with(kSuffix) || slice.size() == kSuffix.size()) return refuse("it does not end in .slice");
  std::string_view name = slice.substr(0, slice.size() - kSuffix.size());
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == ':' || c == '\\';
    if (!ok) return refuse(std::string("it holds '") + c + "', which unit names cannot");
  }
  if (name.front() == '-' || name.back() == '-' || name.find("--") != std::string_view::npos) {
    return refuse("a dash at either end or two together name no parent slice");
  }
  // Each dash closes one level: a-b-c.slice lives in a-b.slice, which lives in a.slice.
  std::string path;
  for (size_t dash = name.find('-'); dash != std::string_view::npos; dash = name.find('-', dash + 1)) {
    path += "/" + std::string(name.substr(0, dash)) + std::string(kSuffix);
  }
  path += "/" + std::string(slice);
  return path;
}

std::string containerScopeName(std::string_view id) {
  return "agent-" + std::string(id) + ".scope";
}

}  // namespace agent::systemd
