#pragma once
// EngineLimitClient for Docker's Engine API (and podman's Docker-compatible one): reads the
// container's HostConfig (GET /containers/{id}/json), builds the update as `docker update`
// would (DockerLimitUpdate.h) and sends it (POST /containers/{id}/update).
#include <memory>

#include "EngineLimitClient.h"
#include "UnixSocketHttp.h"

namespace agent::engines {

class DockerLimitClient : public EngineLimitClient {
 public:
  // `apiPrefix`: the versioned path ("/v1.41", the version the update's fields are of).
  explicit DockerLimitClient(std::shared_ptr<const UnixSocketHttp> http, std::string apiPrefix = "/v1.41");
  Result<void> update(const std::string& id, const policies::LimitSet& desired, uint64_t pageSize) override;

 private:
  std::shared_ptr<const UnixSocketHttp> http_;
  std::string apiPrefix_;
};

}  // namespace agent::engines
