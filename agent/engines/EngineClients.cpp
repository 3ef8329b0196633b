#include "EngineClients.h"

namespace agent::engines {

EngineClients::EngineClients(const EnginesConfig& config,
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
}

}  // namespace agent::engines
