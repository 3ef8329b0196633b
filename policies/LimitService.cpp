#include "LimitService.h"

namespace agent::policies {

Desired LimitService::desiredFor(const LimitTarget& target) const {
  return desiredFor(target, overrides_.get(target.key));
}

Desired LimitService::desiredFor(const LimitTarget& target, const std::optional<LimitSet>& override) const {
  return resolve(*policies_(), target.facts(), override);
}

std::optional<std::string> LimitService::aboveCeiling(const LimitSet& value, const Desired& desired) const {
  for (Resource r : kResources) {
    if (!value.has(r) || !desired.ceilings.has(r) || !exceeds(value, desired.ceilings, r)) continue;
    auto why = desired.why.find(r);
    std::string whose = why == desired.why.end() ? "a policy" : why->second.ceiling.describe();
    return std::string(resourceName(r)) + " " + value.format(r) + " is above " + desired.ceilings.format(r) +
           ", the max of " + whose + ": ask for " + desired.ceilings.format(r) + " or less";
  }
  return std::nullopt;
}

Result<LimitOutcome> LimitService::set(const std::string& ref, const LimitSet& asked) {
  if (asked.empty()) return userError("nothing to set: give cpu, memory or pids");
  auto target = find_(ref);
  if (!target) return tl::unexpected(target.error());
  // As the kernel will hold it (memory in whole pages): that is what is compared with a
  // ceiling and what is stored.
  LimitSet held;
  for (Resource r : kResources) {
    if (!asked.has(r)) continue;
    auto kernel = kernelForm(asked, r, hierarchy_.pageSize());
    held.merge(kernel ? *kernel : asked.only(r));
  }
  auto merged = overrides_.get(target->key).value_or(LimitSet{});
  merged.merge(held);
  if (auto refused = aboveCeiling(held, desiredFor(*target, merged))) {
    return userError(*refused + "; nothing was changed", EBUSY);
  }
  auto changes = writer_.apply(*target, asked, LimitSource::override());
  if (!changes) return tl::unexpected(changes.error());
  LimitSet took;
  for (const auto& c : *changes)
    if (c.error.empty()) took.merge(held.only(c.resource));
  if (!took.empty()) {
    if (auto stored = overrides_.merge(target->key, took); !stored) return tl::unexpected(stored.error());
  }
  return LimitOutcome{*target, writer_.enforcing(), std::move(*changes)};
}

Result<Explanation> LimitService::explain(const std::string& ref) {
  auto target = find_(ref);
  if (!target) return tl::unexpected(target.error());
  Explanation out{*target, desiredFor(*target), {}, std::nullopt, {}, {}};
  for (Resource r : kResources) {
    if (!out.desired.limits.has(r)) continue;
    auto kernel = kernelForm(out.desired.limits, r, hierarchy_.pageSize());
    if (kernel && !sameLimit(*kernel, out.desired.limits, r)) out.kernelForm.merge(*kernel);
  }
  auto group = cgroup::Cgroup::openWherePresent(
      hierarchy_, target->cgroupPath,
      cgroup::ControllerSet{cgroup::Controller::Cpu, cgroup::Controller::Memory, cgroup::Controller::Pids});
  if (group) {
    if (auto limits = group->readLimits()) out.actual = fromCgroupLimits(*limits);
    for (Resource r : kResources) {
      if (auto why = group->whyNoLimit(controllerOf(r))) out.unavailable[r] = *why;
    }
  }
  out.problems = writer_.problems(target->cgroupPath);
  return out;
}

Result<RunLimits> LimitService::forRun(const std::string& name, const std::map<std::string, std::string>& labels,
                                       const LimitSet& given) const {
  LimitTarget target{"", name, "", true, labels, true};
  auto desired = desiredFor(target, given.empty() ? std::nullopt : std::optional(given));
  if (auto refused = aboveCeiling(given, desired)) return userError(*refused + "; nothing was created", EBUSY);
  RunLimits limits;
  limits.override = given;
  // `enforce: false` writes no limit on any path: the container starts without, and its
  // limits are kept as its override for when enforcement is turned on.
  if (writer_.enforcing()) limits.write = desired.limits;
  return limits;
}

Result<void> LimitService::recordRun(const std::string& id, const LimitSet& given) {
  if (given.empty()) return {};
  auto stored = overrides_.merge(id, given);
  if (!stored) return tl::unexpected(stored.error());
  return {};
}

}  // namespace agent::policies
