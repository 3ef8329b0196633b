#include "ControlApi.h"

#include "InfoHandler.h"

namespace agent {

ControlApi::ControlApi(container::ContainerRuntime& runtime, const cgroup::Hierarchy& hierarchy, LimitsApi& limits,
                       PolicyStore& policies, std::function<void()> policiesReloaded,
                       std::shared_ptr<LatestSnapshot> snapshots)
    : containers_(runtime, limits),
      images_(runtime.config().dataDir + "/images", runtime.config().images, runtime),
      policies_(policies, std::move(policiesReloaded)),
      stats_(std::move(snapshots)),
      terminals_(runtime),
      execs_(runtime) {
  using P = const PathParams&;
  using R = const HttpRequest&;
  router_.add("GET", "/v1/info", [&runtime, &hierarchy](R, P) { return infoResponse(runtime, hierarchy); });
  // ?all_cgroups=1: every container the collector discovered, whoever started it (ps --all-cgroups).
  router_.add("GET", "/v1/containers", [this](R r, P) {
    return r.queryValue("all_cgroups") == "1" ? stats_.discovered(r) : containers_.list(r);
  });
  router_.add("POST", "/v1/containers", [this](R r, P) { return containers_.create(r); });
  router_.add("GET", "/v1/containers/{id}", [this](R, P p) { return containers_.inspect(p.at("id")); });
  router_.add("DELETE", "/v1/containers/{id}", [this](R r, P p) { return containers_.remove(p.at("id"), r); });
  router_.add("POST", "/v1/containers/{id}/stop", [this](R r, P p) { return containers_.stop(p.at("id"), r); });
  router_.add("POST", "/v1/containers/{id}/kill", [this](R r, P p) { return containers_.kill(p.at("id"), r); });
  router_.add("POST", "/v1/containers/{id}/pause", [this](R, P p) { return containers_.pause(p.at("id")); });
  router_.add("POST", "/v1/containers/{id}/resume", [this](R, P p) { return containers_.resume(p.at("id")); });
  router_.add("POST", "/v1/containers/{id}/wait", [this](R r, P p) { return containers_.wait(p.at("id"), r); });
  router_.add("POST", "/v1/containers/{id}/remove-on-exit",
              [this](R, P p) { return containers_.removeOnExit(p.at("id")); });
  // ?stream=1 with `Upgrade: tcp`: exec -t / -i, as Docker's hijacked exec start (ExecHandlers.h).
  router_.add("POST", "/v1/containers/{id}/exec", [this](R r, P p) {
    return r.queryValue("stream") == "1" ? execs_.start(p.at("id"), r) : containers_.exec(p.at("id"), r);
  });
  router_.add("POST", "/v1/execs/{eid}/resize", [this](R r, P p) { return execs_.resize(p.at("eid"), r); });
  router_.add("GET", "/v1/execs/{eid}", [this](R, P p) { return execs_.inspect(p.at("eid")); });
  router_.add("GET", "/v1/containers/{id}/logs", [this](R r, P p) { return containers_.logs(p.at("id"), r); });
  // ?stream=1 with `Upgrade: tcp`: the terminal or stdin, as Docker's hijacked attach.
  router_.add("POST", "/v1/containers/{id}/attach", [this](R r, P p) {
    return r.queryValue("stream") == "1" ? terminals_.attach(p.at("id"), r) : containers_.attach(p.at("id"), r);
  });
  router_.add("POST", "/v1/containers/{id}/resize", [this](R r, P p) { return terminals_.resize(p.at("id"), r); });
  // A cgroup path cannot travel in the path (the HTTP server decodes %2F before we see it): it goes
  // as /v1/containers/-/limits?cgroup=/docker/<id>.
  auto target = [](R r, P p) {
    std::string cgroupPath = r.queryValue("cgroup");
    return p.at("id") == "-" && !cgroupPath.empty() ? cgroupPath : p.at("id");
  };
  router_.add("GET", "/v1/containers/{id}/limits",
              [&limits, target](R r, P p) { return limits.explain(target(r, p)); });
  router_.add("PATCH", "/v1/containers/{id}/limits",
              [&limits, target](R r, P p) { return limits.patch(target(r, p), r); });
  router_.add("GET", "/v1/containers/{id}/stats", [this](R r, P p) { return stats_.one(p.at("id"), r); });
  router_.add("GET", "/v1/stats", [this](R r, P) { return stats_.all(r); });
  router_.add("GET", "/v1/images", [this](R r, P) { return images_.list(r); });
  router_.add("POST", "/v1/images", [this](R r, P) { return images_.import(r); });
  router_.add("POST", "/v1/images/load", [this](R r, P) { return images_.load(r); });
  router_.add("POST", "/v1/images/tag", [this](R r, P) { return images_.tag(r); });
  router_.add("POST", "/v1/images/prune", [this](R r, P) { return images_.prune(r); });
  // ?ref=: a reference holds '/' and ':' (ImageHandlers.h).
  router_.add("GET", "/v1/image", [this](R r, P) { return images_.inspect(r); });
  router_.add("DELETE", "/v1/image", [this](R r, P) { return images_.remove(r); });
  router_.add("GET", "/v1/policies", [this](R, P) { return policies_.list(); });
  router_.add("POST", "/v1/policies/validate", [this](R r, P) { return policies_.validate(r); });
  router_.add("POST", "/v1/policies/reload", [this](R, P) { return policies_.reload(); });
}

}  // namespace agent
