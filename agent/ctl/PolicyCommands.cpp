// agentctl policy validate | list | reload | explain.
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "Commands.h"
#include "Table.h"

namespace agent::ctl {

using nlohmann::json;

namespace {
std::string joinLimits(const json& limits) {
  std::string out;
  for (const auto& [key, value] : limits.items())
    out += (out.empty() ? "" : " ") + key + "=" + value.get<std::string>();
  return out.empty() ? "-" : out;
}
}  // namespace

int Commands::policyValidate(const std::vector<std::string>& paths) {
  json files = json::array();
  for (const auto& path : paths) {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "agentctl: cannot read the policy file " << path << ": " << std::strerror(errno) << '\n';
      return kExitUsage;
    }
    std::stringstream text;
    text << in.rdbuf();
    files.push_back({{"path", path}, {"text", text.str()}});
  }
  int exitCode = kExitOk;
  auto reply = call("POST", "/v1/policies/validate", json{{"files", files}}, exitCode);
  if (!reply) return exitCode;
  const json& r = reply->body;
  if (wantsJson()) {
    std::cout << r.dump(2) << '\n';
  } else if (r.value("valid", false)) {
    std::cout << "valid: " << r.value("policies", 0) << " policies in " << paths.size() << " file(s)\n";
  } else {
    for (const auto& e : r.value("errors", json::array())) std::cout << e.get<std::string>() << '\n';
  }
  return r.value("valid", false) ? kExitOk : kExitAgentError;
}

int Commands::policyList() {
  int exitCode = kExitOk;
  auto reply = call("GET", "/v1/policies", std::nullopt, exitCode);
  if (!reply) return exitCode;
  const json& r = reply->body;
  if (wantsJson()) {
    std::cout << r.dump(2) << '\n';
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : r.value("policies", json::array())) {
    std::string match;
    json matchJson = p.value("match", json::object());  // items() must not outlive it
    for (const auto& [key, value] : matchJson.items()) {
      match += (match.empty() ? "" : " ") + key + "=" + value.dump();
    }
    rows.push_back({p.value("name", ""), std::to_string(p.value("priority", 0)), match,
                    joinLimits(p.value("limits", json::object())), joinLimits(p.value("max", json::object())),
                    p.value("where", "")});
  }
  printTable(std::cout, {"NAME", "PRIORITY", "MATCH", "LIMITS", "MAX", "WHERE"}, rows);
  auto errors = r.value("last_errors", json::array());
  if (!errors.empty()) {
    std::cout << "\nthe last reload was refused; the policies above stay in force:\n";
    for (const auto& e : errors) std::cout << "  " << e.get<std::string>() << '\n';
  }
  std::cout << "\n" << r.value("reload_errors", 0) << " refused reload(s); policy dir " << r.value("dir", "") << '\n';
  return kExitOk;
}

int Commands::policyReload() {
  int exitCode = kExitOk;
  auto reply = call("POST", "/v1/policies/reload", json::object(), exitCode);
  if (!reply) return exitCode;
  if (wantsJson())
    std::cout << reply->body.dump(2) << '\n';
  else
    std::cout << "reloaded: " << reply->body.value("policies", 0) << " policies\n";
  return kExitOk;
}

int Commands::policyExplain(const std::string& id) {
  std::string path = !id.empty() && id.front() == '/' ? "/v1/containers/-/limits?cgroup=" + escapeQuery(id)
                                                      : "/v1/containers/" + escapeQuery(id) + "/limits";
  int exitCode = kExitOk;
  auto reply = call("GET", path, std::nullopt, exitCode);
  if (!reply) return exitCode;
  const json& r = reply->body;
  if (wantsJson()) {
    std::cout << r.dump(2) << '\n';
    return kExitOk;
  }
  std::cout << r.value("name", id) << " (" << r.value("cgroup", "") << ")\n";
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;
  for (const auto& x : r.value("resources", json::array())) {
    auto orDash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
    std::string resource = x.value("resource", "");
    std::string value = orDash(x.value("value", ""));
    if (x.contains("kernel_value")) value += " (kernel holds " + x.value("kernel_value", "") + ")";
    if (x.value("clamped", false)) value += " (clamped)";
    std::string ceiling =
        x.value("ceiling", "").empty() ? "-" : x.value("ceiling", "") + " (" + x.value("ceiling_source", "") + ")";
    std::string now = orDash(x.value("actual", ""));
    if (x.contains("unavailable")) {
      now = "n/a";
      notes.push_back(resource + ": " + x.value("unavailable", "") + ", so it takes no " + resource + " limit");
    }
    if (x.contains("error") && !x.contains("unavailable"))
      notes.push_back(resource + ": not in force: " + x.value("error", ""));
    rows.push_back({resource, value, orDash(x.value("source", "")), ceiling, now});
  }
  printTable(std::cout, {"RESOURCE", "SHOULD BE", "SET BY", "CEILING", "NOW"}, rows);
  for (const auto& note : notes) std::cout << note << '\n';
  std::string matched;
  for (const auto& m : r.value("matched", json::array()))
    matched += (matched.empty() ? "" : ", ") + m.get<std::string>();
  std::cout << "matching policies: " << (matched.empty() ? "none" : matched) << '\n';
  for (const auto& c : r.value("conflicts", json::array())) std::cout << "conflict: " << c.get<std::string>() << '\n';
  return kExitOk;
}

}  // namespace agent::ctl
