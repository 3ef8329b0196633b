#include "EngineJoin.h"

#include "DockerApiJson.h"

namespace agent::collectors::engines {

Runtime runtimeOf(Engine engine) {
  switch (engine) {
    case Engine::Docker:
      return Runtime::Docker;
    case Engine::Podman:
      return Runtime::Podman;
    case Engine::Containerd:
      return Runtime::Containerd;
  }
  return Runtime::Other;
}

const EngineContainer* joinEngine(std::string_view path, Classification& c, const EngineContainers& known) {
  if (known.empty()) return nullptr;
  if (c.runtime == Runtime::Docker || c.runtime == Runtime::Podman || c.runtime == Runtime::Containerd) {
    auto found = known.find(c.id);
    return found == known.end() ? nullptr : &found->second;
  }
  if (c.runtime != Runtime::Other) return nullptr;
  std::string_view name = path.substr(path.rfind('/') + 1);
  if (!isFullContainerId(name)) return nullptr;
  auto found = known.find(std::string(name));
  if (found == known.end()) return nullptr;
  c = Classification{runtimeOf(found->second.engine), found->first, found->first.substr(0, 12)};
  return &found->second;
}

}  // namespace agent::collectors::engines
