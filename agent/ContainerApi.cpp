#include "ContainerApi.h"

#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "CreateRequest.h"
#include "ImageStore.h"
#include "Quantity.h"
#include "RandomHex.h"
#include "RunRequestValidation.h"
#include "StreamFrames.h"
#include "TextParse.h"
#include "Version.h"

namespace agent {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

HttpResponse invalid(const std::string& message) {
  return errorResponse(400, "invalid", message);
}

json limitsJson(const cgroup::Limits& limits) {
  json j = json::object();
  if (limits.cpu) j["cpu"] = policies::formatCpu(*limits.cpu);
  if (limits.memoryMax) j["memory"] = policies::formatMemory(*limits.memoryMax);
  if (limits.pidsMax) j["pids"] = policies::formatPids(*limits.pidsMax);
  return j;
}

// What a stopped container used, as recorded from its cgroup when it stopped.
json usageJson(const container::FinalUsage& u) {
  json j = json::object();
  auto put = [&j](const char* key, const std::optional<uint64_t>& value) {
    if (value) j[key] = *value;
  };
  put("cpu_usage_ns", u.cpuUsageNs);
  put("cpu_user_ns", u.cpuUserNs);
  put("cpu_system_ns", u.cpuSystemNs);
  put("memory_max_usage_bytes", u.memoryMaxUsageBytes);
  put("memory_failcnt", u.memoryFailcnt);
  put("oom_kills", u.oomKills);
  put("io_read_bytes", u.ioReadBytes);
  put("io_write_bytes", u.ioWriteBytes);
  return j;
}

}  // namespace

int signalNumber(const std::string& name) {
  std::string n = name;
  for (auto& c : n) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (n.rfind("SIG", 0) == 0) n = n.substr(3);
  static const std::map<std::string, int> kSignals = {{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT},
                                                      {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
                                                      {"TERM", SIGTERM}, {"CONT", SIGCONT}, {"STOP", SIGSTOP}};
  if (auto it = kSignals.find(n); it != kSignals.end()) return it->second;
  int number = std::atoi(n.c_str());
  return number > 0 && number < NSIG && std::to_string(number) == n ? number : 0;
}

json ContainerApi::describe(const container::ContainerInfo& info) {
  const auto& c = info.config;
  json j = {{"id", c.spec.id},
            {"short_id", info.shortId()},
            {"name", c.name},
            {"image", c.image},
            {"state", std::string(container::stateName(info.status.state))},
            {"command", c.spec.args},
            {"hostname", c.spec.hostname},
            {"network", c.spec.network == container::NetworkMode::Host ? "host" : "none"},
            {"labels", c.labels},
            {"cgroup", c.cgroupPath},
            {"created_at_unix_ms", c.createdAtUnixMs},
            {"remove_on_exit", c.removeOnExit}};
  if (info.status.pid) j["pid"] = info.status.pid->pid;
  if (info.status.startedAtUnixMs > 0) j["started_at_unix_ms"] = info.status.startedAtUnixMs;
  if (info.status.exit) {
    j["exit_code"] = info.status.exit->exitCode;
    j["finished_at_unix_ms"] = info.status.exit->finishedAtUnixMs;
    if (info.status.exit->signal) j["exit_signal"] = *info.status.exit->signal;
    if (!info.status.exit->error.empty()) j["error"] = info.status.exit->error;
  }
  if (info.status.usage) {
    j["oom_killed"] = info.status.usage->oomKilled();
    j["usage"] = usageJson(*info.status.usage);
  }
  if (info.status.state != container::ContainerState::Stopped) {
    if (auto group = runtime_.cgroupOf(c)) {
      if (auto limits = group->readLimits()) j["limits"] = limitsJson(*limits);
    }
  }
  return j;
}

HttpResponse ContainerApi::info() {
  json controllers = json::object();
  for (size_t i = 0; i < cgroup::kControllerCount; ++i) {
    auto c = static_cast<cgroup::Controller>(i);
    if (const auto* m = hierarchy_.mountFor(c)) {
      controllers[std::string(cgroup::displayName(c))] = {
          {"version", m->version == cgroup::CgroupVersion::V1 ? "v1" : "v2"}, {"mount", m->mountPoint}};
    }
  }
  json counts = {{"running", 0}, {"paused", 0}, {"stopped", 0}, {"created", 0}};
  if (auto list = runtime_.list()) {
    for (const auto& c : *list)
      counts[std::string(container::stateName(c.status.state))] =
          counts[std::string(container::stateName(c.status.state))].get<int>() + 1;
  }
  utsname uts{};
  ::uname(&uts);
  return {200,
          {{"version", kVersion},
           {"cgroup_mode", std::string(cgroup::modeName(hierarchy_.mode()))},
           {"cgroup_parent", runtime_.config().cgroupParent},
           {"controllers", controllers},
           {"containers", counts},
           {"kernel", std::string(uts.release)},
           {"state_dir", runtime_.config().stateDir},
           {"data_dir", runtime_.config().dataDir}}};
}

HttpResponse ContainerApi::create(const HttpRequest& request) {
  unsigned cpus = static_cast<unsigned>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
  auto parsed = parseCreateRequest(request.body, cpus);
  if (!parsed) return errorResponse(parsed.error());
  container::RunRequest& run = parsed->run;
  if (auto valid = container::validateRunRequest(run); !valid) return errorResponse(valid.error());
  if (parsed->attach) run.attachReader = randomHex(8);
  cgroup::Limits given = run.limits;
  if (limits_) {
    if (auto bounded = limits_->limitsForRun(run.name, run.labels, run.limits); !bounded)
      return errorResponse(bounded.error());
  }
  auto created = runtime_.run(run);
  if (!created) return errorResponse(created.error());
  if (limits_) limits_->recordRunLimits(created->config.spec.id, given);
  json reply = describe(*created);
  if (!run.attachReader.empty()) reply["attach_reader"] = run.attachReader;
  return {201, reply};
}

HttpResponse ContainerApi::logs(const std::string& id, const HttpRequest& request) {
  return follow(id, request, false);
}

HttpResponse ContainerApi::attach(const std::string& id, const HttpRequest& request) {
  return follow(id, request, request.queryValue("remove", "0") == "1");
}

namespace {

std::optional<uint64_t> numberParameter(const HttpRequest& request, const std::string& key) {
  if (!request.query.count(key)) return std::nullopt;
  return text::toU64(request.queryValue(key));
}

}  // namespace

HttpResponse ContainerApi::follow(const std::string& id, const HttpRequest& request, bool removeWhenStopped) {
  // The output from `offset` as frames (StreamFrames.h), what it is in headers; wait_ms makes
  // it a long poll, answered as soon as there is new output or the container stops. `reader`
  // (attach) renews that reader's lease at `offset`. `remove` (attach, for `agentctl run --rm`)
  // removes a stopped container in the same request, once its last output is in the reply.
  container::LogQuery query;
  for (const char* key : {"offset", "tail", "wait_ms", "max_bytes"}) {
    if (request.query.count(key) && !numberParameter(request, key))
      return invalid(std::string(key) + " must be a number, not " +
                     container::quotedForMessage(request.queryValue(key)));
  }
  query.position = numberParameter(request, "offset");
  if (!query.position) query.tailLines = numberParameter(request, "tail");
  query.wait = std::chrono::milliseconds(std::min<uint64_t>(numberParameter(request, "wait_ms").value_or(0), 30'000));
  query.maxBytes = std::min<uint64_t>(numberParameter(request, "max_bytes").value_or(4u << 20), 4u << 20);
  query.reader = request.queryValue("reader");
  auto read = runtime_.readLog(id, query);
  if (!read) return errorResponse(read.error());
  HttpResponse response;
  response.raw = std::move(read->chunk.frames);
  response.contentType = std::string(agent::kOutputStreamType);
  response.headers = {{"Agent-Log-Offset", std::to_string(read->chunk.position)},
                      {"Agent-Log-Caught-Up", read->chunk.caughtUp ? "1" : "0"},
                      {"Agent-Log-End", read->ended() ? "1" : "0"}};
  if (read->chunk.lost > 0) response.headers.emplace_back("Agent-Log-Lost", std::to_string(read->chunk.lost));
  if (read->ended() && read->exit)
    response.headers.emplace_back("Agent-Exit-Code", std::to_string(read->exit->exitCode));
  if (removeWhenStopped && read->ended()) {
    auto removed = runtime_.remove(id, false);
    if (!removed) return errorResponse(removed.error());
    response.headers.emplace_back("Agent-Removed", "1");
  }
  return response;
}

HttpResponse ContainerApi::action(const std::string& id, const std::string& verb, const HttpRequest& request) {
  if (verb == "attach") return attach(id, request);
  if (verb == "stop") {
    long seconds = std::atol(request.queryValue("t", "10").c_str());
    auto stopped = runtime_.stop(id, std::chrono::seconds(std::max(0L, seconds)));
    if (!stopped) return errorResponse(stopped.error());
    return {200, describe(*stopped)};
  }
  if (verb == "kill") {
    int signal = signalNumber(request.queryValue("signal", "KILL"));
    if (signal == 0) return invalid("unknown signal `" + request.queryValue("signal") + "`");
    if (auto r = runtime_.kill(id, signal); !r) return errorResponse(r.error());
  } else if (verb == "pause") {
    if (auto r = runtime_.pause(id); !r) return errorResponse(r.error());
  } else if (verb == "resume") {
    if (auto r = runtime_.resume(id); !r) return errorResponse(r.error());
  } else if (verb == "exec") {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("command") || !body["command"].is_array()) {
      return invalid("the body must be {\"command\": [\"cmd\", \"arg\", ...]}");
    }
    auto result = runtime_.exec(id, body["command"].get<std::vector<std::string>>());
    if (!result) return errorResponse(result.error());
    // Bytes as the command wrote them, each stream apart: frames, as a container's output.
    HttpResponse response;
    response.raw.emplace();
    for (const auto& [stream, text] :
         {std::pair{OutputStream::Stdout, &result->stdoutText}, {OutputStream::Stderr, &result->stderrText}}) {
      for (size_t at = 0; at < text->size(); at += kMaxFramePayload)
        appendFrame(*response.raw, stream, std::string_view(*text).substr(at, kMaxFramePayload));
    }
    response.contentType = std::string(kOutputStreamType);
    response.headers = {{"Agent-Exit-Code", std::to_string(result->exitCode)}};
    return response;
  } else if (verb == "wait") {
    long seconds = std::atol(request.queryValue("t", "30").c_str());
    runtime_.waitForExit(id, std::chrono::seconds(std::max(0L, seconds)));
  } else {
    return errorResponse(404, "not_found", "no such action `" + verb + "`");
  }
  auto info = runtime_.inspect(id);
  if (!info) return errorResponse(info.error());
  return {200, describe(*info)};
}

HttpResponse ContainerApi::images(const HttpRequest& r) {
  container::ImageStore store(runtime_.config().dataDir + "/images");
  if (r.method == "GET") {
    auto list = store.list();
    if (!list) return errorResponse(list.error());
    json items = json::array();
    for (const auto& image : *list) {
      items.push_back({{"name", image.name}, {"rootfs", image.rootfs}, {"created_at_unix_ms", image.createdAtUnixMs}});
    }
    return {200, items};
  }
  if (r.method != "POST") return errorResponse(405, "invalid", "use GET or POST on /v1/images");
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("name") || !body.contains("tar_path")) {
    return invalid("the body must be {\"name\": \"...\", \"tar_path\": \"/absolute/file.tar\"}");
  }
  std::string name = body.value("name", ""), tarPath = body.value("tar_path", "");
  if (tarPath.empty() || tarPath.front() != '/')
    return invalid("tar_path must be an absolute path on the agent's host");
  auto imported = store.import(name, tarPath);
  if (!imported) return errorResponse(imported.error());
  return {201,
          {{"name", name},
           {"files", imported->files},
           {"directories", imported->directories},
           {"symlinks", imported->symlinks},
           {"hardlinks", imported->hardlinks},
           {"skipped_devices", imported->skippedDevices},
           {"bytes", imported->bytes}}};
}

HttpResponse ContainerApi::handle(const HttpRequest& r) {
  const auto& p = r.path;
  if (p.size() == 2 && p[0] == "v1" && p[1] == "info" && r.method == "GET") return info();
  if (p.size() == 2 && p[0] == "v1" && p[1] == "images") return images(r);
  if (p.size() >= 2 && p[0] == "v1" && p[1] == "policies" && policies_) return policies_->handle(r);
  if (p.size() == 2 && p[0] == "v1" && p[1] == "stats" && stats_) {
    if (r.method != "GET") return errorResponse(405, "invalid", "use GET on /v1/stats");
    return stats_->all(r);
  }
  if (p.size() < 2 || p[0] != "v1" || p[1] != "containers") return errorResponse(404, "not_found", "no such route");
  if (p.size() == 2) {
    if (r.method == "GET" && r.queryValue("all_cgroups") == "1" && stats_) return stats_->discovered(r);
    if (r.method == "GET") {
      auto list = runtime_.list();
      if (!list) return errorResponse(list.error());
      json items = json::array();
      for (const auto& c : *list) items.push_back(describe(c));
      return {200, items};
    }
    if (r.method == "POST") return create(r);
    return errorResponse(405, "invalid", "use GET or POST on /v1/containers");
  }
  const std::string& id = p[2];
  if (p.size() == 3) {
    if (r.method == "GET") {
      auto info = runtime_.inspect(id);
      if (!info) return errorResponse(info.error());
      return {200, describe(*info)};
    }
    if (r.method == "DELETE") {
      auto info = runtime_.inspect(id);
      if (auto removed = runtime_.remove(id, r.queryValue("force") == "1"); !removed)
        return errorResponse(removed.error());
      if (limits_ && info) limits_->forget(info->config.spec.id);
      return {200, {{"removed", id}}};
    }
    return errorResponse(405, "invalid", "use GET or DELETE on a container");
  }
  if (p.size() == 4 && p[3] == "logs" && r.method == "GET") return logs(id, r);
  if (p.size() == 4 && p[3] == "stats" && r.method == "GET" && stats_) return stats_->one(id, r);
  if (p.size() == 4 && p[3] == "limits") {
    if (!limits_) return errorResponse(404, "not_found", "limits are not served here");
    if (r.method == "GET") {
      std::string cgroupPath = r.queryValue("cgroup");
      return limits_->explain(id == "-" && !cgroupPath.empty() ? cgroupPath : id);
    }
    if (r.method != "PATCH") return errorResponse(405, "invalid", "use GET (explain) or PATCH (set) on limits");
    // A cgroup path cannot travel in the path (CivetWeb decodes %2F before we see it):
    // PATCH /v1/containers/-/limits?cgroup=/docker/<id>.
    std::string cgroupPath = r.queryValue("cgroup");
    return limits_->patch(id == "-" && !cgroupPath.empty() ? cgroupPath : id, r);
  }
  if (p.size() == 4 && r.method == "POST") return action(id, p[3], r);
  return errorResponse(404, "not_found", "no such route");
}

}  // namespace agent
