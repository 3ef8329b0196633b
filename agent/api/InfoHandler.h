#pragma once
// GET /v1/info (`agentctl info`): version, cgroup mode and controllers, container counts.
#include "ContainerRuntime.h"
#include "HttpApi.h"

namespace agent {

HttpResponse infoResponse(const container::ContainerRuntime& runtime, const cgroup::Hierarchy& hierarchy);

}  // namespace agent
