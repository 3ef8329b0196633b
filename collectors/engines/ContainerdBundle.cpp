#include "ContainerdBundle.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace agent::collectors::engines {

namespace {

constexpr std::string_view kContainerType = "io.kubernetes.cri.container-type";
constexpr std::string_view kContainerName = "io.kubernetes.cri.container-name";
constexpr std::string_view kImageName = "io.kubernetes.cri.image-name";
constexpr std::string_view kSandboxName = "io.kubernetes.cri.sandbox-name";
constexpr std::string_view kSandboxNamespace = "io.kubernetes.cri.sandbox-namespace";
constexpr std::string_view kSandboxUid = "io.kubernetes.cri.sandbox-uid";

bool isUidChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-' || c == '_';
}

tl::unexpected<Error> refusal(std::string_view id, std::string_view problem) {
  return logicError("read containerd's task bundle: " + std::string(problem), "config.json of " + std::string(id));
}

// Annotations are strings by the OCI spec; another type is skipped (the others still count).
std::string annotation(const nlohmann::json& annotations, std::string_view key) {
  auto it = annotations.find(key);
  if (it == annotations.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

}  // namespace

std::string podUidFromCgroupPath(std::string_view path) {
  // The last "pod" that follows '/' (cgroupfs) or '-' (systemd slices) and runs to a '/' or
  // ".slice": what kubelet names the pod's cgroup.
  for (size_t at = path.rfind("pod"); at != std::string_view::npos;
       at = at == 0 ? std::string_view::npos : path.rfind("pod", at - 1)) {
    if (at == 0 || (path[at - 1] != '/' && path[at - 1] != '-')) continue;
    std::string_view rest = path.substr(at + 3);
    size_t end = 0;
    while (end < rest.size() && isUidChar(rest[end])) ++end;
    std::string_view uid = rest.substr(0, end);
    std::string_view after = rest.substr(end);
    bool closed = after.empty() || after.front() == '/' || after.substr(0, 6) == ".slice";
    // A UID is 36 characters (8-4-4-4-12); kubelet's static pods use a 32-hex hash.
    if (!closed || (uid.size() != 36 && uid.size() != 32)) continue;
    std::string out(uid);
    std::replace(out.begin(), out.end(), '_', '-');
    return out;
  }
  return "";
}

Result<EngineContainer> parseContainerdBundle(std::string_view configJson, std::string_view id) {
  auto spec = nlohmann::json::parse(configJson.begin(), configJson.end(), nullptr, false);
  if (spec.is_discarded() || !spec.is_object()) return refusal(id, "not a JSON object (an OCI runtime spec)");
  EngineContainer out{.engine = Engine::Containerd, .id = std::string(id)};

  std::string cgroupsPath;
  if (auto linuxSection = spec.find("linux"); linuxSection != spec.end() && linuxSection->is_object()) {
    if (auto path = linuxSection->find("cgroupsPath"); path != linuxSection->end()) {
      if (!path->is_string()) return refusal(id, "`linux.cgroupsPath` is not a string");
      cgroupsPath = path->get<std::string>();
    }
  }
  auto found = spec.find("annotations");
  if (found == spec.end() || found->is_null()) return out;
  if (!found->is_object()) return refusal(id, "`annotations` is not an object");
  const auto& annotations = *found;

  std::string kind = annotation(annotations, kContainerType);
  if (kind.empty()) return out;  // not made by CRI: nothing kubelet would label
  out.labels[std::string(kCriKindLabel)] = kind;
  if (auto pod = annotation(annotations, kSandboxName); !pod.empty()) out.labels[std::string(kPodNameLabel)] = pod;
  if (auto ns = annotation(annotations, kSandboxNamespace); !ns.empty())
    out.labels[std::string(kPodNamespaceLabel)] = ns;
  std::string uid = annotation(annotations, kSandboxUid);
  if (uid.empty()) uid = podUidFromCgroupPath(cgroupsPath);
  if (!uid.empty()) out.labels[std::string(kPodUidLabel)] = uid;
  if (kind == "container") {
    out.name = annotation(annotations, kContainerName);
    if (!out.name.empty()) out.labels[std::string(kContainerNameLabel)] = out.name;
    out.image = annotation(annotations, kImageName);
  }
  return out;
}

}  // namespace agent::collectors::engines
