#include "Commands.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "CapabilitySet.h"
#include "FileAt.h"
#include "MessageText.h"
#include "SeccompProfile.h"
#include "StatsTable.h"
#include "Table.h"
#include "TerminalMode.h"
#include "VolumeOptions.h"

namespace agent::ctl {

using nlohmann::json;

std::string escapeQuery(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.')
      out += static_cast<char>(c);
    else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

namespace {

std::string since(int64_t unixMs) {
  if (unixMs <= 0) return "-";
  int64_t seconds = std::time(nullptr) - unixMs / 1000;
  if (seconds < 60) return std::to_string(std::max<int64_t>(seconds, 0)) + "s ago";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m ago";
  if (seconds < 86400) return std::to_string(seconds / 3600) + "h ago";
  if (seconds < 60 * 86400) return std::to_string(seconds / 86400) + "d ago";
  if (seconds < 365 * 86400) return std::to_string(seconds / (30 * 86400)) + " months ago";
  return std::to_string(seconds / (365 * 86400)) + " years ago";
}

// An image config's `created` (RFC 3339: "2026-12-01T10:35:54.642507377Z", "...+02:00") as
// Unix milliseconds; 0 when absent or not that shape.
int64_t rfc3339UnixMs(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t seconds = ::timegm(&tm);
  std::string_view rest = std::string_view(text).substr(static_cast<size_t>(consumed));
  if (!rest.empty() && rest.front() == '.')
    rest.remove_prefix(std::min(rest.find_first_not_of("0123456789", 1), rest.size()));
  int hours = 0, minutes = 0;
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') &&
      std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &hours, &minutes) == 2)
    seconds -= (rest[0] == '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
  else if (rest != "Z" && rest != "z")
    return 0;
  return seconds * 1000;
}

std::string joined(const json& array) {
  std::string text;
  for (const auto& part : array) text += (text.empty() ? "" : " ") + part.get<std::string>();
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

// "k=v" pairs into an object; a pair without '=' is a usage error.
bool keyValues(const std::vector<std::string>& pairs, json& out, const char* what) {
  for (const auto& pair : pairs) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "agentctl: " << what << " \"" << pair << "\" is not KEY=VALUE; give it as --" << what
                << " KEY=VALUE\n";
      return false;
    }
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return true;
}

// `--security-opt seccomp=unconfined|PROFILE.json` as the API's "seccomp": the profile is
// read here (agentd may be on another host) and checked, so a bad one starts nothing.
Result<json> seccompOption(const std::string& option) {
  if (option.rfind("seccomp=", 0) != 0)
    return userError("--security-opt " + quotedForMessage(option) +
                     " is not supported: give seccomp=unconfined, seccomp=default or seccomp=PROFILE.json "
                     "(no-new-privileges is always on)");
  std::string value = option.substr(8);
  if (value == "unconfined" || value == "default") return json(value);
  if (value.empty()) {
    return userError(
        "--security-opt seccomp= names no profile: give seccomp=unconfined, seccomp=default or "
        "seccomp=PROFILE.json");
  }
  auto text = readWholeFile(value);
  if (!text) return userError("cannot read the seccomp profile: " + text.error().message());
  // It travels in the create request, which agentd takes up to 1 MiB (Docker's default
  // profile is about 20 KiB): refused here, naming the file, rather than by agentd's 413.
  constexpr size_t kMaxProfileBytes = 512 << 10;
  if (text->size() > kMaxProfileBytes) {
    return userError(value + ": the seccomp profile is " + std::to_string(text->size()) +
                     " bytes; agentctl sends profiles up to 512 KiB (Docker's default is about 20 KiB)");
  }
  if (auto profile = seccomp::parseSeccompProfile(*text); !profile)
    return userError(value + ": " + profile.error().message());
  return json::parse(*text);
}

}  // namespace

std::string Commands::refusal(long status, const json& body) const {
  std::string why = body.is_object() ? body.value("error", "") : "";
  // 401: the token agentctl sent is not agentd's; which file it read it from is ours to say.
  if (status == 401 && client_) return tokenRefused(client_->endpoint(), body.value("token_file", ""));
  return why.empty() ? "agentd refused the request (HTTP " + std::to_string(status) + ") without saying why" : why;
}

bool Commands::connect(int& exitCode) {
  if (client_) return true;
  auto endpoint = findEndpoint(options_.api, options_.tokenFile, options_.stateDir, options_.tlsCa);
  if (!endpoint) {
    std::cerr << "agentctl: " << endpoint.error().message() << '\n';
    exitCode = isUnreachable(endpoint.error()) ? kExitUnreachable : kExitAgentError;
    return false;
  }
  client_.emplace(*endpoint);
  return true;
}

void Commands::reportUnanswered(const Error& error, const std::string& method, const std::string& effect,
                                int& exitCode) {
  bool cut = error.errnum == ECONNABORTED;
  std::cerr << "agentctl: " << error.message();
  if (cut && method != "GET") {
    // Cut while agentd worked on it: it may have been done.
    std::cerr << "; " << (effect.empty() ? "what was asked may have been done" : effect)
              << ": check with `agentctl ps`";
  }
  std::cerr << '\n';
  exitCode = isUnreachable(error) ? kExitUnreachable : kExitAgentError;
}

std::optional<ApiReply> Commands::call(const std::string& method, const std::string& path,
                                       const std::optional<json>& body, int& exitCode, long timeoutSeconds,
                                       const std::string& effect) {
  if (!connect(exitCode)) return std::nullopt;
  auto reply = client_->call(method, path, body, timeoutSeconds);
  if (!reply) {
    reportUnanswered(reply.error(), method, effect, exitCode);
    return std::nullopt;
  }
  if (reply->status >= 400) {
    std::cerr << "agentctl: " << refusal(reply->status, reply->body) << '\n';
    exitCode = kExitAgentError;
    return std::nullopt;
  }
  exitCode = kExitOk;
  return std::optional<ApiReply>(std::move(*reply));
}

int Commands::run(const RunOptions& options) {
  RunOptions o = options;
  if (!o.rootfs.empty() && !o.image.empty()) {
    // With --rootfs there is no image: the first word was the command's.
    o.command.insert(o.command.begin(), o.image);
    o.image.clear();
  }
  if (o.image.empty() && o.rootfs.empty()) {
    std::cerr << "agentctl: run needs an image to start from: give an IMAGE (agentctl image ls lists them) or "
                 "--rootfs DIR\n";
    return kExitUsage;
  }
  // No command: a layered image's Entrypoint and Cmd (agentd refuses one without them).
  if (o.command.empty() && !o.rootfs.empty()) {
    std::cerr << "agentctl: run needs a command after --rootfs DIR, e.g. -- sh -c 'echo hi'\n";
    return kExitUsage;
  }
  json body = {{"command", o.command}};
  if (!o.network.empty()) body["network"] = o.network;
  if (!o.publish.empty()) body["publish"] = o.publish;
  if (o.publishAll) body["publish_all"] = true;
  if (!o.image.empty()) body["image"] = o.image;
  if (!o.rootfs.empty()) {
    std::error_code ec;
    body["rootfs"] = std::filesystem::absolute(o.rootfs, ec).lexically_normal().string();
  }
  if (!o.name.empty()) body["name"] = o.name;
  if (!o.hostname.empty()) body["hostname"] = o.hostname;
  if (!o.userns.empty()) body["userns"] = o.userns;
  if (!o.user.empty()) body["user"] = o.user;
  if (!o.workdir.empty()) body["working_dir"] = o.workdir;
  if (o.entrypoint) body["entrypoint"] = o.entrypoint->empty() ? json::array() : json::array({*o.entrypoint});
  if (!o.cpu.empty()) body["cpu"] = o.cpu;
  if (!o.memory.empty()) body["memory"] = o.memory;
  if (!o.pids.empty()) body["pids"] = o.pids;
  body["env"] = o.env;
  if (!o.devices.empty()) body["devices"] = o.devices;
  if (!addVolumeFields(o, body)) return kExitUsage;
  if (auto caps = container::combineCapabilities(container::dockerDefaultCapabilities(), o.capAdd, o.capDrop); !caps) {
    std::cerr << "agentctl: " << caps.error().message() << '\n';
    return kExitUsage;
  }
  for (const auto& option : o.securityOpt) {
    auto seccomp = seccompOption(option);
    if (!seccomp) {
      std::cerr << "agentctl: " << seccomp.error().message() << '\n';
      return kExitUsage;
    }
    body["seccomp"] = *seccomp;
  }
  if (!o.capAdd.empty()) body["cap_add"] = o.capAdd;
  if (!o.capDrop.empty()) body["cap_drop"] = o.capDrop;
  json labels = json::object();
  if (!keyValues(o.labels, labels, "label")) return kExitUsage;
  for (const auto& e : o.env) {
    if (e.find('=') == std::string::npos || e.front() == '=') {
      std::cerr << "agentctl: env \"" << e << "\" is not KEY=VALUE (with a KEY); give it as --env KEY=VALUE\n";
      return kExitUsage;
    }
  }
  body["labels"] = labels;
  // Detached --rm containers are removed by agentd when they stop; attached ones by us, once
  // we have their exit code.
  body["remove_on_exit"] = o.detach && o.remove;
  // Attached: agentd holds back rotating away output this client has not received.
  if (!o.detach && !o.tty) body["attach"] = true;
  if (o.tty) {
    body["tty"] = true;  // terminals (TerminalCommands.cpp)
    // The command starts at the window's size, as with docker run -t (not 24x80 until the
    // first resize reaches it).
    // stdin, else stdout (`run -t ... </dev/null` in a terminal).
    unsigned rows = 0, columns = 0;
    if (windowSize(STDIN_FILENO, rows, columns) || windowSize(STDOUT_FILENO, rows, columns))
      body["console_size"] = {rows, columns};
  }
  if (o.interactive) body["open_stdin"] = true;
  if (o.tty && o.interactive && !o.detach && !::isatty(STDIN_FILENO)) {
    std::cerr << "agentctl: -t needs agentctl's input to be a terminal; run it from one, or use -i alone\n";
    return kExitUsage;
  }
  int exitCode = kExitOk;
  auto created = call("POST", "/v1/containers", body, exitCode);
  if (!created) return exitCode;
  const json& c = created->body;
  std::string id = c.value("id", "");
  if (c.contains("error")) {
    // The command never ran (not in the image, not executable): say why, exit like a shell.
    std::cerr << "agentctl: " << c.value("error", "") << '\n';
    if (o.remove) call("DELETE", "/v1/containers/" + id, std::nullopt, exitCode);
    return c.value("exit_code", kExitAgentError);
  }
  if (o.detach) {
    if (wantsJson())
      std::cout << c.dump(2) << '\n';
    else
      std::cout << id << '\n';
    return kExitOk;
  }
  if (o.tty) return terminalSession(id, c.value("name", id), true, o.interactive, o.remove, true);
  if (o.interactive) {
    if (int streamed = streamStdin(id); streamed != kExitOk) return streamed;
  }
  OutputRequest attached;
  attached.method = "POST";
  attached.route = "/v1/containers/" + id + "/attach";
  attached.reader = c.value("attach_reader", "");
  attached.remove = o.remove;
  auto end = streamOutput(attached, 0, exitCode);
  if (!end) return exitCode;
  if (end->lostBytes > 0) {
    std::cerr << "agentctl: " << end->lostBytes
              << " bytes of the container's output were lost before agentctl could read them (the exit code "
              << end->exitCode << " is the container's)\n";
    return kExitAgentError;
  }
  if (end->exitCode < 0) {
    std::cerr << "agentctl: the container stopped, but its exit code is unknown (its shim ended without "
                 "recording one; see agentd's log)\n";
    return kExitAgentError;
  }
  return end->exitCode;
}

int Commands::ps(bool all, bool quiet) {
  int exitCode = kExitOk;
  auto reply = call("GET", "/v1/containers", std::nullopt, exitCode);
  if (!reply) return exitCode;
  json shown = json::array();
  for (const auto& c : reply->body)
    if (all || c.value("state", "") != "stopped") shown.push_back(c);
  if (quiet) {  // as docker ps -q: short ids, one a line (`agentctl rm -f $(agentctl ps -aq)`)
    for (const auto& c : shown) std::cout << c.value("short_id", "") << '\n';
    return kExitOk;
  }
  if (wantsJson()) {
    std::cout << shown.dump(2) << '\n';
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : shown) {
    std::string state = c.value("state", "");
    if (c.contains("exit_code")) {
      state += " (" + std::to_string(c.value("exit_code", 0));
      if (c.value("oom_killed", false)) state += ", OOM killed";
      state += ")";
    }
    // As docker ps: "0.0.0.0:8080->80/tcp, 0.0.0.0:5353->53/udp".
    std::string ports;
    for (const auto& p : c.value("ports", json::array()))
      ports += (ports.empty() ? "" : ", ") + p.value("host_ip", "") + ":" + std::to_string(p.value("host_port", 0)) +
               "->" + std::to_string(p.value("container_port", 0)) + "/" + p.value("proto", "");
    rows.push_back({c.value("short_id", ""), c.value("name", ""), c.value("image", ""), state,
                    c.contains("pid") ? std::to_string(c.value("pid", 0)) : "-",
                    since(c.value("created_at_unix_ms", int64_t{0})), ports.empty() ? "-" : ports,
                    joined(c.value("command", json::array()))});
  }
  printTable(std::cout, {"ID", "NAME", "IMAGE", "STATE", "PID", "CREATED", "PORTS", "COMMAND"}, rows);
  return kExitOk;
}

int Commands::inspect(const std::string& id) {
  int exitCode = kExitOk;
  auto reply = call("GET", "/v1/containers/" + escapeQuery(id), std::nullopt, exitCode);
  if (reply) std::cout << reply->body.dump(2) << '\n';
  return exitCode;
}

int Commands::simpleAction(const std::string& id, const std::string& verb, const std::string& query) {
  int exitCode = kExitOk;
  static const std::map<std::string, std::string> kEffects = {
      {"stop", "stopped"}, {"kill", "signalled"}, {"pause", "paused"}, {"resume", "resumed"}};
  auto effect = kEffects.find(verb);
  auto reply = call("POST", "/v1/containers/" + escapeQuery(id) + "/" + verb + query, std::nullopt, exitCode, 600,
                    effect == kEffects.end() ? "" : "the container may have been " + effect->second);
  if (!reply) return exitCode;
  if (wantsJson())
    std::cout << reply->body.dump(2) << '\n';
  else
    std::cout << reply->body.value("name", id) << '\n';
  return kExitOk;
}

int Commands::stop(const std::string& id, long seconds) {
  return simpleAction(id, "stop", "?t=" + std::to_string(seconds));
}
int Commands::kill(const std::string& id, const std::string& signal) {
  return simpleAction(id, "kill", "?signal=" + escapeQuery(signal));
}
int Commands::pause(const std::string& id) {
  return simpleAction(id, "pause");
}
int Commands::resume(const std::string& id) {
  return simpleAction(id, "resume");
}

int Commands::limit(const std::string& id, const std::string& cpu, const std::string& memory, const std::string& pids) {
  json body = json::object();
  if (!cpu.empty()) body["cpu"] = cpu;
  if (!memory.empty()) body["memory"] = memory;
  if (!pids.empty()) body["pids"] = pids;
  if (body.empty()) {
    std::cerr << "agentctl: limit needs a limit to set: give at least one of --cpu, --memory, --pids (e.g. --cpu "
                 "50%)\n";
    return kExitUsage;
  }
  // A cgroup path cannot be a path segment (it is decoded before routing): it goes in the query.
  std::string path = !id.empty() && id.front() == '/' ? "/v1/containers/-/limits?cgroup=" + escapeQuery(id)
                                                      : "/v1/containers/" + escapeQuery(id) + "/limits";
  int exitCode = kExitOk;
  auto reply = call("PATCH", path, body, exitCode);
  if (!reply) return exitCode;
  const json& r = reply->body;
  bool failed = false;
  for (const auto& c : r.value("changes", json::array())) failed = failed || c.contains("error");
  if (wantsJson()) {
    std::cout << r.dump(2) << '\n';
    return failed ? kExitAgentError : kExitOk;
  }
  bool dryRun = !r.value("enforce", true);
  std::string set, notSet;
  for (const auto& c : r.value("changes", json::array())) {
    std::string resource = c.value("resource", "?");
    std::string before = c.value("before", "?"), after = c.value("after", "?");
    if (c.contains("error")) {
      // The sentence says what, why and what to do, and what the group keeps.
      std::cerr << resource << ": " << c.value("error", "") << '\n';
      notSet += (notSet.empty() ? "" : ", ") + resource;
      continue;
    }
    set += (set.empty() ? "" : ", ") + resource;
    std::cout << resource << ": " << before << " -> " << after;
    if (before == after) std::cout << " (unchanged)";
    if (dryRun && before != after) std::cout << " (not written: enforce is false in agentd's config)";
    if (c.contains("note")) std::cout << "; " << c.value("note", "");
    std::cout << '\n';
  }
  // Never half of a request without saying which half.
  if (!set.empty() && !notSet.empty()) std::cerr << "set: " << set << "; not set: " << notSet << '\n';
  return failed ? kExitAgentError : kExitOk;
}

int Commands::remove(const std::string& id, bool force) {
  int exitCode = kExitOk;
  auto reply = call("DELETE", "/v1/containers/" + escapeQuery(id) + (force ? "?force=1" : ""), std::nullopt, exitCode,
                    120, "the container may have been removed");
  if (reply) std::cout << id << '\n';
  return exitCode;
}

int Commands::info() {
  int exitCode = kExitOk;
  auto reply = call("GET", "/v1/info", std::nullopt, exitCode);
  if (!reply) return exitCode;
  const json& i = reply->body;
  if (wantsJson()) {
    std::cout << i.dump(2) << '\n';
    return kExitOk;
  }
  std::cout << "agentd " << i.value("version", "?") << ", kernel " << i.value("kernel", "?") << '\n'
            << "cgroup mode: " << i.value("cgroup_mode", "?") << ", containers under " << i.value("cgroup_parent", "?")
            << '\n';
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, c] : i["controllers"].items())
    rows.push_back({name, c.value("version", ""), c.value("mount", "")});
  printTable(std::cout, {"CONTROLLER", "VERSION", "MOUNT"}, rows);
  const json& counts = i["containers"];
  std::cout << "containers: " << counts.value("running", 0) << " running, " << counts.value("paused", 0) << " paused, "
            << counts.value("stopped", 0) << " stopped\n";
  return kExitOk;
}

int Commands::imageList() {
  int exitCode = kExitOk;
  auto reply = call("GET", "/v1/images", std::nullopt, exitCode);
  if (!reply) return exitCode;
  if (wantsJson()) {
    std::cout << reply->body.dump(2) << '\n';
    return kExitOk;
  }
  // Docker's columns, newest first, and what the layers shared with other images take (counted
  // once on disk).
  std::vector<std::pair<int64_t, std::vector<std::string>>> rows;
  for (const auto& image : reply->body) {
    if (image.value("kind", "") == "layered") {
      std::string id = image.value("id", "");
      int64_t created = rfc3339UnixMs(image.value("created", ""));
      rows.push_back(
          {created,
           {image.value("repository", ""), image.value("tag", ""), shortId(id.substr(id.find(':') + 1)), since(created),
            decimalSize(image.value("size", uint64_t{0})), decimalSize(image.value("shared_size", uint64_t{0}))}});
    } else {
      int64_t created = image.value("created_at_unix_ms", int64_t{0});
      rows.push_back({created, {image.value("name", ""), "(flat)", "-", since(created), "-", "-"}});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::vector<std::string>> table;
  for (auto& row : rows) table.push_back(std::move(row.second));
  printTable(std::cout, {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE"}, table);
  return kExitOk;
}

int Commands::imageInspect(const std::string& ref) {
  int exitCode = kExitOk;
  auto reply = call("GET", "/v1/image?ref=" + escapeQuery(ref), std::nullopt, exitCode);
  if (!reply) return exitCode;
  std::cout << reply->body.dump(2) << '\n';
  return kExitOk;
}

int Commands::imageTag(const std::string& ref, const std::string& name) {
  int exitCode = kExitOk;
  auto reply = call("POST", "/v1/images/tag", json{{"ref", ref}, {"name", name}}, exitCode);
  return reply ? kExitOk : exitCode;
}

int Commands::imageRemove(const std::vector<std::string>& refs, bool force) {
  int worst = kExitOk;
  for (const auto& ref : refs) {
    int exitCode = kExitOk;
    auto reply = call("DELETE", "/v1/image?ref=" + escapeQuery(ref) + (force ? "&force=1" : ""), std::nullopt, exitCode,
                      600, "the image may have been removed");
    if (!reply) {
      worst = exitCode;
      continue;
    }
    for (const auto& name : reply->body.value("untagged", json::array()))
      std::cout << "Untagged: " << name.get<std::string>() << '\n';
    if (!reply->body.value("deleted", "").empty())
      std::cout << "Deleted: " << reply->body.value("deleted", "") << " (" << reply->body.value("layers_deleted", 0)
                << " layers)\n";
  }
  return worst;
}

int Commands::imagePrune() {
  int exitCode = kExitOk;
  auto reply = call("POST", "/v1/images/prune", json::object(), exitCode, 600);
  if (!reply) return exitCode;
  if (wantsJson()) {
    std::cout << reply->body.dump(2) << '\n';
    return kExitOk;
  }
  for (const auto& layer : reply->body.value("layers_deleted", json::array()))
    std::cout << "deleted layer " << layer.get<std::string>() << '\n';
  std::cout << "Total reclaimed space: " << decimalSize(reply->body.value("bytes", uint64_t{0})) << '\n';
  return kExitOk;
}

int Commands::imageImport(const std::string& name, const std::string& tarFile) {
  std::error_code ec;
  std::string absolute = std::filesystem::absolute(tarFile, ec).string();
  int exitCode = kExitOk;
  auto reply = call("POST", "/v1/images", json{{"name", name}, {"tar_path", absolute}}, exitCode, 3600);
  if (!reply) return exitCode;
  if (wantsJson()) {
    std::cout << reply->body.dump(2) << '\n';
    return kExitOk;
  }
  std::cout << "imported " << name << ": " << reply->body.value("files", 0) << " files, "
            << reply->body.value("directories", 0) << " directories, " << reply->body.value("symlinks", 0)
            << " symlinks, " << reply->body.value("bytes", 0) << " bytes\n";
  return kExitOk;
}

}  // namespace agent::ctl
