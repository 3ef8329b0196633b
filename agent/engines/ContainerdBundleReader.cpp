#include "ContainerdBundleReader.h"

#include <algorithm>

#include "FileAt.h"

namespace agent::engines {

namespace {

// The ids come from cgroup names; anything else would make a path of its own.
bool isContainerId(const std::string& id) {
  return !id.empty() && id.size() <= 128 &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

ContainerdBundleReader::ContainerdBundleReader(std::string stateDir)
    : taskRoot_(std::move(stateDir) + "/io.containerd.runtime.v2.task") {}

Result<std::optional<collectors::engines::EngineContainer>> ContainerdBundleReader::read(const std::string& id) const {
  if (!isContainerId(id)) return std::nullopt;
  auto root = Dir::open(taskRoot_);
  if (!root) {
    if (root.error().isGone()) return std::nullopt;  // no containerd (or no task yet) on this host
    return tl::unexpected(root.error());
  }
  auto namespaces = listSubdirs(*root);
  if (!namespaces) return tl::unexpected(namespaces.error());
  // k8s.io first: CRI's namespace, where Kubernetes' containers are.
  std::stable_partition(namespaces->begin(), namespaces->end(), [](const std::string& ns) { return ns == "k8s.io"; });
  for (const auto& ns : *namespaces) {
    auto bundle = root->openChild(ns + "/" + id);
    if (!bundle) {
      if (bundle.error().isGone() || bundle.error().errnum == ENOTDIR) continue;
      return tl::unexpected(bundle.error());
    }
    auto text = readWholeFileAt(*bundle, "config.json");
    if (!text) {
      if (text.error().isGone()) continue;
      return tl::unexpected(text.error());
    }
    auto container = collectors::engines::parseContainerdBundle(*text, id);
    if (!container) {
      Error error = container.error();
      error.path = bundle->pathOf("config.json");
      return tl::unexpected(error);
    }
    return std::optional(std::move(*container));
  }
  return std::nullopt;
}

}  // namespace agent::engines
