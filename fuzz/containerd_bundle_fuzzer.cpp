// Any bytes as a containerd task bundle's config.json (agentd reads one per new containerd
// container): no crash, no sanitizer report; a refusal names containerd and the container;
// what parses is containerd's, keeps the id, and has only labels made from CRI's annotations.
// Any bytes as a kubepods cgroup path: a pod UID found is 32 or 36 characters without '_'.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ContainerdBundle.h"

using namespace agent::collectors::engines;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string id(64, 'a');
  auto got = parseContainerdBundle(text, id);
  if (!got) {
    auto message = got.error().message();
    if (message.find("containerd") == std::string::npos || message.find(id) == std::string::npos) std::abort();
  } else {
    if (got->engine != Engine::Containerd || got->id != id || got->limitsByApi) std::abort();
    for (const auto& [key, value] : got->labels) {
      if (key != kPodNameLabel && key != kPodNamespaceLabel && key != kPodUidLabel && key != kContainerNameLabel &&
          key != kCriKindLabel)
        std::abort();
      if (value.empty()) std::abort();
    }
    if (!got->name.empty() && got->labels.at(std::string(kContainerNameLabel)) != got->name) std::abort();
  }
  auto uid = podUidFromCgroupPath(text);
  if (!uid.empty() && ((uid.size() != 32 && uid.size() != 36) || uid.find('_') != std::string::npos)) std::abort();
  return 0;
}
