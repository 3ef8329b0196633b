#pragma once
// The limit routes, JSON <-> policies::LimitService calls and nothing else:
// PATCH /v1/containers/{id}/limits (`agentctl limit`): the reply says, per resource, the
// value before and after, and what else happened (memory reclaimed, processes OOM-killed)
// or why it could not be set; GET .../limits (`agentctl policy explain`).
#include "HttpApi.h"
#include "LimitService.h"

namespace agent {

class LimitsApi {
 public:
  LimitsApi(policies::LimitService& limits, unsigned hostCpus) : limits_(limits), hostCpus_(hostCpus) {}
  HttpResponse patch(const std::string& ref, const HttpRequest& request);
  // Per resource the value it should have, which override or policy set it, the ceiling
  // and whose, and what the kernel has now.
  HttpResponse explain(const std::string& ref);
  // `run`'s limits: checked and made whole before the container exists, kept after.
  policies::LimitService& service() { return limits_; }
  unsigned hostCpus() const { return hostCpus_; }

 private:
  policies::LimitService& limits_;
  unsigned hostCpus_;
};

}  // namespace agent
