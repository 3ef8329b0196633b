#include "PolicyHandlers.h"

#include "LimitSet.h"

namespace agent {

using nlohmann::json;

HttpResponse PolicyHandlers::list() {
  auto status = store_.status();
  auto set = store_.current();
  json policies = json::array();
  for (const auto& policy : set->policies) {
    json match = json::object();
    if (!policy.match.names.empty()) match["names"] = policy.match.names;
    if (!policy.match.labels.empty()) match["labels"] = policy.match.labels;
    if (!policy.match.cgroups.empty()) match["cgroups"] = policy.match.cgroups;
    policies.push_back({{"name", policy.name},
                        {"priority", policy.priority},
                        {"match", match},
                        {"limits", policies::toJson(policy.limits)},
                        {"max", policies::toJson(policy.max)},
                        {"where", policy.where}});
  }
  return {200,
          {{"dir", status.dir},
           {"files", status.files},
           {"policies", policies},
           {"last_success_unix_ms", status.lastSuccessUnixMs},
           {"last_errors", status.lastErrors},
           {"reload_errors", status.reloadErrors}}};
}

HttpResponse PolicyHandlers::validate(const HttpRequest& r) {
  auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("files") || !body["files"].is_array()) {
    return errorResponse(400, "invalid",
                         "the validate request's body is not {\"files\": [{\"path\": ..., \"text\": ...}]}; send "
                         "each file's path and text");
  }
  std::vector<policies::PolicyFile> files;
  for (const auto& f : body["files"]) {
    if (!f.is_object() || !f.contains("path") || !f.contains("text") || !f["path"].is_string() ||
        !f["text"].is_string()) {
      return errorResponse(400, "invalid",
                           "a file of the validate request has no \"path\" or \"text\" string; send both for each");
    }
    files.push_back({f["path"].get<std::string>(), f["text"].get<std::string>()});
  }
  auto loaded = store_.validate(files);
  return {200, {{"valid", loaded.ok()}, {"errors", loaded.errors}, {"policies", loaded.set.policies.size()}}};
}

HttpResponse PolicyHandlers::reload() {
  bool ok = store_.reload();
  if (ok && reloaded_) reloaded_();
  auto status = store_.status();
  if (!ok) {
    return errorResponse(
        400, "invalid",
        "the policy files have errors; the policies in force stay: " +
            (status.lastErrors.empty() ? std::string("?") : status.lastErrors.front()) +
            (status.lastErrors.size() > 1 ? " (and " + std::to_string(status.lastErrors.size() - 1) + " more)" : ""));
  }
  return {200, {{"policies", status.policies}, {"files", status.files}}};
}

}  // namespace agent
