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
  auto changes = reconciler_.apply(*target, *desired, "override");
  if (!changes) return errorResponse(changes.error());

  // What took (or already held) is stored; what the kernel refused is not.
  policies::LimitSet took;
  json out = json::array();
  for (const auto& c : *changes) {
    if (c.error.empty())
      took.merge([&] {
        policies::LimitSet one;
        if (c.resource == policies::Resource::Cpu) one.cpu = desired->cpu;
        if (c.resource == policies::Resource::Memory) one.memory = desired->memory;
        if (c.resource == policies::Resource::Pids) one.pids = desired->pids;
        return one;
      }());
    json change = {{"resource", std::string(policies::resourceName(c.resource))},
                   {"before", c.before},
                   {"after", c.after},
                   {"written", c.written}};
    if (!c.note.empty()) change["note"] = c.note;
    if (!c.error.empty()) change["error"] = c.error;
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
