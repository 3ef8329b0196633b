#pragma once
// /v1/containers: JSON to ContainerRuntime's calls and back (SPEC.md "Control API").
#include "ApiRouter.h"
#include "ContainerRuntime.h"
#include "LimitsApi.h"

namespace agent {

class ContainerHandlers {
 public:
  // `limits`: run's limits decided by its LimitService (ceilings, `enforce`), kept as
  // overrides, overrides dropped on removal; its host CPU count bounds `run --cpu`.
  ContainerHandlers(container::ContainerRuntime& runtime, LimitsApi& limits) : runtime_(runtime), limits_(limits) {}

  HttpResponse list(const HttpRequest& request);
  HttpResponse create(const HttpRequest& request);
  HttpResponse inspect(const std::string& id);
  HttpResponse remove(const std::string& id, const HttpRequest& request);
  HttpResponse stop(const std::string& id, const HttpRequest& request);
  HttpResponse kill(const std::string& id, const HttpRequest& request);
  HttpResponse pause(const std::string& id);
  HttpResponse resume(const std::string& id);
  HttpResponse removeOnExit(const std::string& id);  // POST .../remove-on-exit: --rm after a detach
  HttpResponse wait(const std::string& id, const HttpRequest& request);
  HttpResponse exec(const std::string& id, const HttpRequest& request);
  // The output as frames (StreamFrames.h); attach also renews a reader's lease.
  HttpResponse logs(const std::string& id, const HttpRequest& request);
  HttpResponse attach(const std::string& id, const HttpRequest& request);

 private:
  HttpResponse follow(const std::string& id, const HttpRequest& request, bool removeWhenStopped);

  container::ContainerRuntime& runtime_;
  LimitsApi& limits_;
};

// SIGKILL, KILL, kill, 9 -> 9; 0 when unknown.
int signalNumber(const std::string& name);

}  // namespace agent
