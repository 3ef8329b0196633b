#pragma once
// What a container engine (Docker, podman, containerd) says of one of its containers: the
// facts cAdvisor's container handlers export as `name`, `image` and `container_label_*`.
// Engine clients (agent/engines/) fill these from the engine's API or metadata files; the
// collector joins them to the cgroups it classified (Classifier.h) by id.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace agent::collectors::engines {

enum class Engine { Docker, Podman, Containerd };
std::string_view engineName(Engine engine);  // "docker", "podman", "containerd"

struct EngineContainer {
  Engine engine = Engine::Docker;
  std::string id{};    // the full hex id, as in the cgroup path (Classification::id)
  std::string name{};  // Docker and podman: Name without its leading '/'; containerd: see docs/engines.md
  // The reference as the user wrote it (Docker's Config.Image, e.g. "busybox:latest"); for
  // containerd the image name in its metadata. "" when the engine does not say.
  std::string image{};
  std::map<std::string, std::string> labels{};  // Config.Labels (Docker, podman); containerd's labels
  // The container's writable layer on the host (Docker's GraphDriver.Data.UpperDir for
  // overlay2); "" when unknown or another storage driver.
  std::string upperDir{};
  // The engine takes limit updates through its API (Docker's and podman's
  // POST /containers/{id}/update); false: limits go to the cgroup files directly.
  bool limitsByApi = false;
};

// Every engine's containers, by id. Ids are 64 hex digits for all three engines, so one map
// holds them all.
using EngineContainers = std::map<std::string, EngineContainer>;
using EngineContainersPtr = std::shared_ptr<const EngineContainers>;

}  // namespace agent::collectors::engines
