#include "EngineContainer.h"

namespace agent::collectors::engines {

std::string_view engineName(Engine engine) {
  switch (engine) {
    case Engine::Docker:
      return "docker";
    case Engine::Podman:
      return "podman";
    case Engine::Containerd:
      return "containerd";
  }
  return "unknown";
}

}  // namespace agent::collectors::engines
