#include "LimitsApi.h"

#include <spdlog/spdlog.h>

namespace agent {

using nlohmann::json;

HttpResponse LimitsApi::patch(const std::string& ref, const HttpRequest& request) {
  auto body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return errorResponse(400, "invalid", "the body must be JSON, e.g. {\"cpu\": \"50%\"}");
  auto desired = policies::limitSetFromJson(body, hostCpus_);
  if (!desired) return errorResponse(desired.error());
  if (desired->empty()) return errorResponse(400, "invalid", "nothing to set: give cpu, memory or pids");
  auto target = reconciler_.resolve(ref, discovered_);
  if (!target) return errorResponse(target.error());
  // As the kernel will hold it (memory in whole pages): that is what is compared with a
  // ceiling and what is stored.
  policies::LimitSet asked;
  for (policies::Resource r : policies::kResources) {
    if (!desired->has(r)) continue;
    auto kernel = policies::kernelForm(*desired, r, hierarchy_.pageSize());
    asked.merge(kernel ? *kernel : desired->only(r));
  }
  // Never above a policy's ceiling: refused, naming the policy (nothing is changed).
  auto merged = overrides_.get(target->key).value_or(policies::LimitSet{});
  merged.merge(asked);
  auto bounds = reconciler_.desiredFor(*target, merged);
  for (policies::Resource r : policies::kResources) {
    if (!asked.has(r) || !bounds.ceilings.has(r) || !policies::exceeds(asked, bounds.ceilings, r)) continue;
    return errorResponse(409, "conflict",
                         std::string(policies::resourceName(r)) + " " + desired->format(r) + " is above " +
                             bounds.ceilings.format(r) + ", the max of " + bounds.why[r].ceiling +
                             "; nothing was changed");
  }
  auto changes = reconciler_.apply(*target, *desired, "override");
  if (!changes) return errorResponse(changes.error());

  // What took (or already held) is stored; what the kernel refused is not.
  policies::LimitSet took;
  json out = json::array();
  for (const auto& c : *changes) {
    if (c.error.empty()) took.merge(asked.only(c.resource));
    json change = {{"resource", std::string(policies::resourceName(c.resource))},
                   {"before", c.before},
                   {"after", c.after},
                   {"written", c.written}};
    if (!c.note.empty()) change["note"] = c.note;
    if (!c.error.empty()) change["error"] = c.error;
    if (c.unavailable) change["unavailable"] = true;
    out.push_back(std::move(change));
    spdlog::info("msg=\"limit\" container={} resource={} from={} to={} written={}{}", target->name,
                 policies::resourceName(c.resource), c.before, c.after, c.written,
                 c.error.empty() ? "" : " error=\"" + c.error + "\"");
  }
  if (!took.empty()) {
    if (auto stored = overrides_.merge(target->key, took); !stored) return errorResponse(stored.error());
  }
  return {200,
          {{"id", target->key},
           {"name", target->name},
           {"cgroup", target->cgroupPath},
           {"enforce", reconciler_.enforcing()},
           {"changes", out}}};
}

HttpResponse LimitsApi::explain(const std::string& ref) {
  auto target = reconciler_.resolve(ref, discovered_);
  if (!target) return errorResponse(target.error());
  auto override = overrides_.get(target->key);
  auto desired = reconciler_.desiredFor(*target, override);
  // What the kernel has now, per resource the group can hold; why not for the others.
  std::optional<policies::LimitSet> actual;
  std::map<policies::Resource, std::string> unavailable;
  auto group = cgroup::Cgroup::openWherePresent(
      hierarchy_, target->cgroupPath,
      cgroup::ControllerSet{cgroup::Controller::Cpu, cgroup::Controller::Memory, cgroup::Controller::Pids});
  if (group) {
    if (auto limits = group->readLimits()) actual = policies::fromCgroupLimits(*limits);
    for (policies::Resource r : policies::kResources) {
      if (auto why = group->whyNoLimit(policies::controllerOf(r))) unavailable[r] = *why;
    }
  }
  auto problems = reconciler_.problems(target->cgroupPath);
  json resources = json::array();
  for (policies::Resource r : policies::kResources) {
    json j = {{"resource", std::string(policies::resourceName(r))}};
    j["value"] = desired.limits.has(r) ? desired.limits.format(r) : "";
    if (desired.limits.has(r)) {
      // The value as the kernel holds it, when that is not how it was written.
      auto kernel = policies::kernelForm(desired.limits, r, hierarchy_.pageSize());
      if (kernel && !policies::sameLimit(*kernel, desired.limits, r)) j["kernel_value"] = kernel->format(r);
    }
    auto why = desired.why.find(r);
    j["source"] = why == desired.why.end() ? "" : why->second.source;
    j["ceiling"] = desired.ceilings.has(r) ? desired.ceilings.format(r) : "";
    j["ceiling_source"] = why == desired.why.end() ? "" : why->second.ceiling;
    j["clamped"] = why != desired.why.end() && why->second.clamped;
    bool holds = actual && !unavailable.count(r);
    j["actual"] = holds ? actual->format(r) : "";
    if (unavailable.count(r)) j["unavailable"] = unavailable[r];
    if (problems.count(r)) j["error"] = problems[r];
    resources.push_back(std::move(j));
  }
  return {200,
          {{"id", target->key},
           {"name", target->name},
           {"cgroup", target->cgroupPath},
           {"matched", desired.matched},
           {"conflicts", desired.conflicts},
           {"resources", resources}}};
}

Result<void> LimitsApi::limitsForRun(const std::string& name, const std::map<std::string, std::string>& labels,
                                     cgroup::Limits& limits) {
  policies::LimitSet given;
  given.cpu = limits.cpu;
  given.memory = limits.memoryMax;
  given.pids = limits.pidsMax;
  // The cgroup path is not known yet: `cgroups:` policies reach it at the next pass.
  LimitTarget target{"", name, "", true, labels, true};
  auto desired = reconciler_.desiredFor(target, given.empty() ? std::nullopt : std::optional(given));
  for (policies::Resource r : policies::kResources) {
    if (!given.has(r) || !desired.ceilings.has(r) || !policies::exceeds(given, desired.ceilings, r)) continue;
    return logicError("run (" + std::string(policies::resourceName(r)) + " " + given.format(r) + " is above " +
                          desired.ceilings.format(r) + ", the max of " + desired.why[r].ceiling + ")",
                      name, EBUSY);
  }
  if (desired.limits.cpu) limits.cpu = desired.limits.cpu;
  if (desired.limits.memory) limits.memoryMax = desired.limits.memory;
  if (desired.limits.pids) limits.pidsMax = desired.limits.pids;
  return {};
}

void LimitsApi::recordRunLimits(const std::string& id, const cgroup::Limits& limits) {
  policies::LimitSet set;
  set.cpu = limits.cpu;
  set.memory = limits.memoryMax;
  set.pids = limits.pidsMax;
  if (set.empty()) return;
  if (auto stored = overrides_.merge(id, set); !stored) {
    spdlog::warn("msg=\"cannot store the limits a container was run with\" id={} error=\"{}\"", id,
                 stored.error().message());
  }
}

}  // namespace agent
