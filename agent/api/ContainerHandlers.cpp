#include "ContainerHandlers.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "ContainerJson.h"
#include "CreateRequest.h"
#include "RandomHex.h"
#include "RunRequestValidation.h"
#include "StreamFrames.h"
#include "TextParse.h"

namespace agent {

using nlohmann::json;

namespace {

// A policy with `security: {seccomp: required}` matching the container refuses it unconfined.
std::string seccompRequiredRefusal(const std::shared_ptr<const policies::PolicySet>& set,
                                   const container::RunRequest& run) {
  if (!set || run.seccomp != container::SeccompMode::Unconfined) return "";
  const auto* policy = policies::policyRequiringSeccomp(*set, {run.name, run.labels, "", true});
  if (!policy) return "";
  return "policy `" + policy->name + "` (" + policy->where +
         ") requires a seccomp profile for this container: leave out seccomp=unconfined, or give a profile";
}

HttpResponse invalid(const std::string& message) {
  return errorResponse(400, "invalid", message);
}

std::optional<uint64_t> numberParameter(const HttpRequest& request, const std::string& key) {
  if (!request.query.count(key)) return std::nullopt;
  return text::toU64(request.queryValue(key));
}

// ?t=SECONDS, or `fallback`: a value that is not a whole number of seconds is refused.
std::optional<std::chrono::seconds> secondsParameter(const HttpRequest& request, long fallback) {
  if (!request.query.count("t")) return std::chrono::seconds(fallback);
  auto value = numberParameter(request, "t");
  if (!value || *value > 24 * 3600) return std::nullopt;
  return std::chrono::seconds(*value);
}

HttpResponse badSeconds(const HttpRequest& request) {
  return invalid("t " + quotedForMessage(request.queryValue("t")) +
                 " is not a number of seconds; give a whole number from 0 to 86400");
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

HttpResponse ContainerHandlers::list(const HttpRequest&) {
  auto list = runtime_.list();
  if (!list) return errorResponse(list.error());
  json items = json::array();
  for (const auto& c : *list) items.push_back(containerJson(runtime_, c));
  return {200, items};
}

HttpResponse ContainerHandlers::create(const HttpRequest& request) {
  auto parsed = parseCreateRequest(request.body, limits_.hostCpus());
  if (!parsed) return errorResponse(parsed.error());
  container::RunRequest& run = parsed->run;
  if (auto valid = container::validateRunRequest(run); !valid) return errorResponse(valid.error());
  if (parsed->attach) run.attachReader = randomHex(8);
  if (auto refused = seccompRequiredRefusal(limits_.service().policies(), run); !refused.empty())
    return invalid(refused);
  // The same use case as `limit`: ceilings checked, `enforce: false` honoured.
  auto limits = limits_.service().forRun(run.name, run.labels, parsed->limits);
  if (!limits) return errorResponse(limits.error());
  run.limits = policies::toCgroupLimits(limits->write);
  auto created = runtime_.run(run);
  if (!created) return errorResponse(created.error());
  if (auto stored = limits_.service().recordRun(created->config.spec.id, limits->override); !stored) {
    spdlog::warn("msg=\"cannot store the limits a container was run with\" id={} error=\"{}\"", created->config.spec.id,
                 stored.error().message());
  }
  json reply = containerJson(runtime_, *created);
  if (!run.attachReader.empty()) reply["attach_reader"] = run.attachReader;
  return {201, reply};
}

HttpResponse ContainerHandlers::inspect(const std::string& id) {
  auto info = runtime_.inspect(id);
  if (!info) return errorResponse(info.error());
  return {200, containerJson(runtime_, *info)};
}

HttpResponse ContainerHandlers::remove(const std::string& id, const HttpRequest& request) {
  auto info = runtime_.inspect(id);
  if (auto removed = runtime_.remove(id, request.queryValue("force") == "1"); !removed)
    return errorResponse(removed.error());
  if (info) limits_.service().forget(info->config.spec.id);
  return {200, {{"removed", id}}};
}

HttpResponse ContainerHandlers::stop(const std::string& id, const HttpRequest& request) {
  auto grace = secondsParameter(request, 10);
  if (!grace) return badSeconds(request);
  auto stopped = runtime_.stop(id, *grace);
  if (!stopped) return errorResponse(stopped.error());
  return {200, containerJson(runtime_, *stopped)};
}

HttpResponse ContainerHandlers::kill(const std::string& id, const HttpRequest& request) {
  int signal = signalNumber(request.queryValue("signal", "KILL"));
  if (signal == 0) {
    return invalid("signal " + quotedForMessage(request.queryValue("signal")) +
                   " is unknown; give a name (TERM, KILL, HUP, INT, QUIT, USR1, USR2, CONT, STOP) or a number from "
                   "1 to " +
                   std::to_string(NSIG - 1));
  }
  if (auto r = runtime_.kill(id, signal); !r) return errorResponse(r.error());
  return inspect(id);
}

HttpResponse ContainerHandlers::pause(const std::string& id) {
  if (auto r = runtime_.pause(id); !r) return errorResponse(r.error());
  return inspect(id);
}

HttpResponse ContainerHandlers::removeOnExit(const std::string& id) {
  if (auto r = runtime_.removeOnExit(id); !r) return errorResponse(r.error());
  return {200, {{"id", id}, {"remove_on_exit", true}}};
}

HttpResponse ContainerHandlers::resume(const std::string& id) {
  if (auto r = runtime_.resume(id); !r) return errorResponse(r.error());
  return inspect(id);
}

HttpResponse ContainerHandlers::wait(const std::string& id, const HttpRequest& request) {
  auto timeout = secondsParameter(request, 30);
  if (!timeout) return badSeconds(request);
  runtime_.waitForExit(id, *timeout);
  // Removed on its exit (--rm) meanwhile: its exit code is still the answer.
  if (auto code = runtime_.exitOfRemoved(id))
    return {200, {{"id", id}, {"state", "stopped"}, {"exit_code", *code}, {"removed", true}}};
  return inspect(id);
}

HttpResponse ContainerHandlers::exec(const std::string& id, const HttpRequest& request) {
  json body = json::parse(request.body, nullptr, false);
  bool strings = !body.is_discarded() && body.is_object() && body.contains("command") && body["command"].is_array();
  if (strings) {
    for (const auto& arg : body["command"]) strings = strings && arg.is_string();
  }
  for (const char* field : {"user", "workdir"}) strings = strings && (!body.contains(field) || body[field].is_string());
  if (!strings) {
    return invalid(
        "the exec request's body is not {\"command\": [\"cmd\", \"arg\", ...], \"user\": \"...\", \"workdir\": "
        "\"/...\"}; send the command as a JSON array of strings");
  }
  container::ExecAs as{body.value("user", ""), body.value("workdir", "")};
  if (auto valid = container::validateExecAs(as.user, as.workingDir); !valid) return errorResponse(valid.error());
  auto result = runtime_.exec(id, body["command"].get<std::vector<std::string>>(), as);
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
}

HttpResponse ContainerHandlers::logs(const std::string& id, const HttpRequest& request) {
  return follow(id, request, false);
}

HttpResponse ContainerHandlers::attach(const std::string& id, const HttpRequest& request) {
  return follow(id, request, request.queryValue("remove", "0") == "1");
}

HttpResponse ContainerHandlers::follow(const std::string& id, const HttpRequest& request, bool removeWhenStopped) {
  // The output from `offset` as frames (StreamFrames.h), what it is in headers; wait_ms makes
  // it a long poll, answered as soon as there is new output or the container stops. `reader`
  // (attach) renews that reader's lease at `offset`. `remove` (attach, for `agentctl run --rm`)
  // removes a stopped container in the same request, once its last output is in the reply.
  container::LogQuery query;
  for (const char* key : {"offset", "tail", "wait_ms", "max_bytes"}) {
    if (request.query.count(key) && !numberParameter(request, key))
      return invalid(std::string(key) + " must be a number, not " + quotedForMessage(request.queryValue(key)));
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

}  // namespace agent
