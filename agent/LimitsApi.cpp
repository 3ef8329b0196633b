#include "LimitsApi.h"

#include <spdlog/spdlog.h>

namespace agent {

using nlohmann::json;

HttpResponse LimitsApi::patch(const std::string& ref, const HttpRequest& request) {
  auto body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return errorResponse(400, "invalid", "the body must be JSON, e.g. {\"cpu\": \"50%\"}");
  auto asked = policies::limitSetFromJson(body, hostCpus_);
  if (!asked) return errorResponse(asked.error());
  auto outcome = limits_.set(ref, *asked);
  if (!outcome) return errorResponse(outcome.error());
  json out = json::array();
  for (const auto& c : outcome->changes) {
    json change = {{"resource", std::string(policies::resourceName(c.resource))},
                   {"before", c.before},
                   {"after", c.after},
                   {"written", c.written}};
    if (!c.note.empty()) change["note"] = c.note;
    if (!c.error.empty()) change["error"] = c.error;
    if (c.unavailable) change["unavailable"] = true;
    out.push_back(std::move(change));
    spdlog::info("msg=\"limit\" container={} resource={} from={} to={} written={}{}", outcome->target.name,
                 policies::resourceName(c.resource), c.before, c.after, c.written,
                 c.error.empty() ? "" : " error=\"" + c.error + "\"");
  }
  return {200,
          {{"id", outcome->target.key},
           {"name", outcome->target.name},
           {"cgroup", outcome->target.cgroupPath},
           {"enforce", outcome->enforcing},
           {"changes", out}}};
}

HttpResponse LimitsApi::explain(const std::string& ref) {
  auto explained = limits_.explain(ref);
  if (!explained) return errorResponse(explained.error());
  const auto& e = *explained;
  json resources = json::array();
  for (policies::Resource r : policies::kResources) {
    json j = {{"resource", std::string(policies::resourceName(r))}};
    j["value"] = e.desired.limits.format(r);
    if (e.kernelForm.has(r)) j["kernel_value"] = e.kernelForm.format(r);
    auto why = e.desired.why.find(r);
    bool decided = why != e.desired.why.end();
    j["source"] = decided ? why->second.source.describe() : "";
    j["ceiling"] = e.desired.ceilings.format(r);
    j["ceiling_source"] = decided ? why->second.ceiling.describe() : "";
    j["clamped"] = decided && why->second.clamped;
    auto unavailable = e.unavailable.find(r);
    j["actual"] = e.actual && unavailable == e.unavailable.end() ? e.actual->format(r) : "";
    if (unavailable != e.unavailable.end()) j["unavailable"] = unavailable->second;
    if (auto problem = e.problems.find(r); problem != e.problems.end()) j["error"] = problem->second;
    resources.push_back(std::move(j));
  }
  return {200,
          {{"id", e.target.key},
           {"name", e.target.name},
           {"cgroup", e.target.cgroupPath},
           {"matched", e.desired.matched},
           {"conflicts", e.desired.conflicts},
           {"resources", resources}}};
}

}  // namespace agent
