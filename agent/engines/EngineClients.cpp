#include "EngineClients.h"

#include "DockerLimitClient.h"
#include "UnixSocketHttp.h"

namespace agent::engines {

EngineClients::EngineClients(const EnginesConfig& config, const std::string& containerdState,
                             std::shared_ptr<collectors::engines::EngineDirectory> directory) {
  struct Compatible {
    collectors::engines::Engine engine;
    const EngineSettings& settings;
  };
  for (const auto& [engine, settings] : {Compatible{collectors::engines::Engine::Docker, config.docker},
                                         Compatible{collectors::engines::Engine::Podman, config.podman}}) {
    if (settings.use == EngineUse::Off) continue;
    docker_.push_back(std::make_unique<DockerApiClient>(
        DockerApiClientOptions{
            .engine = engine, .socketPath = settings.socket, .onlyWhenPresent = settings.use == EngineUse::Auto},
        directory));
  }
  if (!containerdState.empty())
    containerd_ = std::make_unique<ContainerdWatcher>(ContainerdBundleReader(containerdState), *directory);
}

void EngineClients::observe(const collectors::Snapshot& snapshot) {
  if (containerd_) containerd_->observe(snapshot);
}

std::map<std::string, std::shared_ptr<EngineLimitClient>> engineLimitClients(const EnginesConfig& config) {
  std::map<std::string, std::shared_ptr<EngineLimitClient>> clients;
  // 3 s, not the listing's 10: the reconciler writes one target after another, so a hung
  // dockerd holds every other limit (agentd's own containers' too) back this long per pass.
  if (config.docker.use != EngineUse::Off)
    clients["docker"] = std::make_shared<DockerLimitClient>(
        std::make_shared<UnixSocketHttp>(config.docker.socket, std::chrono::seconds(3)));
  return clients;
}

}  // namespace agent::engines
