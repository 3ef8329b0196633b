#include "Classifier.h"

#include <algorithm>
#include <array>

namespace agent::collectors {

namespace {

bool isHex(std::string_view s, size_t length) {
  return s.size() == length &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "<prefix><64 hex><suffix>" -> the hex, else "".
std::string_view wrappedId(std::string_view name, std::string_view prefix, std::string_view suffix) {
  if (!startsWith(name, prefix) || !endsWith(name, suffix)) return {};
  std::string_view id = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  return isHex(id, 64) ? id : std::string_view{};
}

// kubelet's cgroupfs tree: a component "kubepods" (or kubepods.slice) anywhere, not only at
// the top: kubelet's --cgroup-root (/kubelet/kubepods/..., kind's nodes) moves it down.
bool belowKubepods(std::string_view path) {
  while (!path.empty()) {
    size_t start = path.find_first_not_of('/');
    if (start == std::string_view::npos) return false;
    path.remove_prefix(start);
    std::string_view component = path.substr(0, path.find('/'));
    if (component == "kubepods" || startsWith(component, "kubepods.") || startsWith(component, "kubepods-"))
      return true;
    path.remove_prefix(component.size());
  }
  return false;
}

Classification container(Runtime runtime, std::string_view id) {
  return {runtime, std::string(id), std::string(id.substr(0, 12))};
}

}  // namespace

std::string_view runtimeName(Runtime runtime) {
  switch (runtime) {
    case Runtime::Root:
      return "root";
    case Runtime::Agent:
      return "agent";
    case Runtime::Docker:
      return "docker";
    case Runtime::Containerd:
      return "containerd";
    case Runtime::Podman:
      return "podman";
    case Runtime::Lxc:
      return "lxc";
    case Runtime::Systemd:
      return "systemd";
    case Runtime::Other:
      return "other";
  }
  return "other";
}

bool isContainerRuntime(Runtime runtime) {
  return runtime == Runtime::Agent || runtime == Runtime::Docker || runtime == Runtime::Containerd ||
         runtime == Runtime::Podman || runtime == Runtime::Lxc;
}

std::string_view trailingContainerId(std::string_view path) {
  std::string_view name = path.substr(path.rfind('/') + 1);
  if (endsWith(name, ".scope")) name.remove_suffix(6);
  if (auto dash = name.rfind('-'); dash != std::string_view::npos) name.remove_prefix(dash + 1);
  return isHex(name, 64) ? name : std::string_view{};
}

Classification classify(std::string_view path, std::string_view agentParent) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.empty() || path == "/") return {Runtime::Root, "", "/"};
  size_t slash = path.rfind('/');
  std::string_view name = path.substr(slash + 1);
  std::string_view parent = path.substr(0, slash == 0 ? 1 : slash);

  while (agentParent.size() > 1 && agentParent.back() == '/') agentParent.remove_suffix(1);
  if (parent == agentParent && isHex(name, 32)) return container(Runtime::Agent, name);
  // The systemd driver: <slice>/agent-<32 hex>.scope/container (runtime/container/ContainerScope.h).
  if (name == "container") {
    size_t scopeSlash = parent.rfind('/');
    std::string_view slice = parent.substr(0, scopeSlash == 0 ? 1 : scopeSlash);
    std::string_view scope = parent.substr(scopeSlash + 1);
    if (slice == agentParent && startsWith(scope, "agent-") && endsWith(scope, ".scope")) {
      std::string_view id = scope.substr(6, scope.size() - 6 - 6);
      if (isHex(id, 32)) return container(Runtime::Agent, id);
    }
  }

  if (auto id = wrappedId(name, "docker-", ".scope"); !id.empty()) return container(Runtime::Docker, id);
  if (parent == "/docker" && isHex(name, 64)) return container(Runtime::Docker, name);
  for (std::string_view prefix : {"cri-containerd-", "crio-"}) {
    if (auto id = wrappedId(name, prefix, ".scope"); !id.empty()) return container(Runtime::Containerd, id);
  }
  // cgroupfs driver: [<cgroup root>]/kubepods[/<qos>]/pod<uid>/<64 hex>
  if (isHex(name, 64) && belowKubepods(parent)) return container(Runtime::Containerd, name);
  if (auto id = wrappedId(name, "libpod-", ".scope"); !id.empty()) return container(Runtime::Podman, id);
  // cgroupfs manager: /libpod_parent/libpod-<64 hex>, or <--cgroup-parent>/libpod-<64 hex>.
  if (auto id = wrappedId(name, "libpod-", ""); !id.empty()) return container(Runtime::Podman, id);

  if (parent == "/lxc" || parent == "/lxc.payload") return {Runtime::Lxc, std::string(name), std::string(name)};
  if (parent == "/" && startsWith(name, "lxc.payload.") && name.size() > 12) {
    std::string lxcName(name.substr(12));
    return {Runtime::Lxc, lxcName, lxcName};
  }

  static constexpr std::array<std::string_view, 6> kUnitSuffixes = {".service", ".scope", ".slice",
                                                                    ".socket",  ".mount", ".swap"};
  for (auto suffix : kUnitSuffixes) {
    if (endsWith(name, suffix) && name.size() > suffix.size()) {
      return {Runtime::Systemd, std::string(name), std::string(name)};
    }
  }
  return {Runtime::Other, "", std::string(name)};
}

}  // namespace agent::collectors
