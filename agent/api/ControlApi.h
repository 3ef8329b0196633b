#pragma once
// The control API (SPEC.md "Control API"): every route, each one line in ControlApi.cpp,
// to a handler that turns JSON into a call of a domain service and the result back. A route
// served by something built elsewhere is one more line where agentd is wired:
//   api.router().add("GET", "/v1/stats", [&](const HttpRequest& r, const PathParams&) { ... });
#include <functional>

#include "ApiRouter.h"
#include "ContainerHandlers.h"
#include "ExecHandlers.h"
#include "ImageHandlers.h"
#include "LimitsApi.h"
#include "PolicyHandlers.h"
#include "StatsHandlers.h"
#include "TerminalHandlers.h"

namespace agent {

class ControlApi {
 public:
  // `policiesReloaded` runs after a reload put a new policy set in force; `snapshots` are the
  // collector's, which stats are computed from.
  ControlApi(container::ContainerRuntime& runtime, const cgroup::Hierarchy& hierarchy, LimitsApi& limits,
             PolicyStore& policies, std::function<void()> policiesReloaded, std::shared_ptr<LatestSnapshot> snapshots);
  ControlApi(const ControlApi&) = delete;
  ControlApi& operator=(const ControlApi&) = delete;

  HttpResponse handle(const HttpRequest& request) const { return router_.route(request); }
  ApiRouter& router() { return router_; }

 private:
  ContainerHandlers containers_;
  ImageHandlers images_;
  PolicyHandlers policies_;
  StatsHandlers stats_;
  TerminalHandlers terminals_;
  ExecHandlers execs_;
  ApiRouter router_;
};

}  // namespace agent
