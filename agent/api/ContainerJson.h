#pragma once
// A container as the API shows it (GET /v1/containers/{id}, the list, create's reply).
#include <nlohmann/json.hpp>

#include "ContainerRuntime.h"

namespace agent {

// Its config, state, exit and final usage; the limits its cgroup holds while it is not stopped.
nlohmann::json containerJson(const container::ContainerRuntime& runtime, const container::ContainerInfo& info);

}  // namespace agent
