#include "DockerApiClient.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "DockerApiJson.h"

namespace agent::engines {

namespace ce = collectors::engines;

namespace {

// API 1.41 (Docker 20.10) has every field read here; later Dockers and podman's compat API
// answer it too.
constexpr const char* kApi = "/v1.41";
// {"type":["container"]}, URL-encoded: only container events reach us.
constexpr const char* kContainerEvents = "filters=%7B%22type%22%3A%5B%22container%22%5D%7D";

// Events that change what the directory holds for a container. Others (die, exec_*,
// health_status, attach, ...) change nothing of its name, image or labels.
bool reinspects(std::string_view action) {
  return action == "create" || action == "rename" || action == "start" || action == "restart";
}

std::string statusError(const std::string& what, const HttpResponse& response) {
  std::string body = response.body.substr(0, 200);
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  return what + " answered " + std::to_string(response.status) + ": " + body;
}

}  // namespace

DockerApiClient::DockerApiClient(DockerApiClientOptions options, std::shared_ptr<ce::EngineDirectory> directory)
    : options_(std::move(options)),
      directory_(std::move(directory)),
      http_(options_.socketPath),
      engine_(ce::engineName(options_.engine)) {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

DockerApiClient::~DockerApiClient() {
  thread_.request_stop();
  wake_.notify_all();
}

void DockerApiClient::run(std::stop_token stop) {
  auto retry = options_.firstRetry;
  while (!stop.stop_requested()) {
    auto result = followOnce(stop);
    if (stop.stop_requested()) return;
    if (result) {
      // The engine ended the stream (it stopped): look again soon, it may be restarting.
      failed(logicError("the engine ended its event stream (stopped or restarting)", options_.socketPath, ECONNRESET)
                 .value());
      retry = options_.firstRetry;
    } else {
      failed(result.error());
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, stop, retry, [&stop] { return stop.stop_requested(); })) return;
    retry = std::min(retry * 2, options_.longestRetry);
  }
}

Result<void> DockerApiClient::followOnce(std::stop_token stop) {
  // No socket: no engine here (yet); a stat is all it costs.
  if (::access(options_.socketPath.c_str(), F_OK) != 0)
    return systemError("find the engine's socket", options_.socketPath);
  // Events from a second before the listing on (whole seconds: Docker's `since`); the engine
  // replays what it kept of them, so one that came between the listing and the stream is seen.
  auto since = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()) -
               std::chrono::seconds(1);
  auto listed = relist();
  if (!listed) return tl::unexpected(listed.error());
  connected(*listed);
  Error failure;
  bool engineFailed = false;
  auto streamed = http_.streamLines(
      std::string(kApi) + "/events?since=" + std::to_string(since.count()) + "&" + kContainerEvents,
      [&](std::string_view line) {
        if (line.empty()) return true;
        engineFailed = !apply(line, failure);
        return !engineFailed;
      },
      stop);
  if (engineFailed) return tl::unexpected(failure);
  return streamed;
}

Result<size_t> DockerApiClient::relist() {
  auto listing = http_.get(std::string(kApi) + "/containers/json?all=1");
  if (!listing) return tl::unexpected(listing.error());
  if (listing->status != 200)
    return logicError(statusError("GET /containers/json", *listing), options_.socketPath, EPROTO);
  auto ids = ce::parseContainerIds(listing->body);
  if (!ids) return tl::unexpected(ids.error());
  std::vector<ce::EngineContainer> containers;
  containers.reserve(ids->size());
  for (const auto& id : *ids) {
    auto container = inspect(id);
    if (!container) return tl::unexpected(container.error());
    if (*container) containers.push_back(std::move(**container));  // removed since the listing: left out
  }
  directory_->replaceAll(options_.engine, containers);
  return containers.size();
}

Result<std::optional<ce::EngineContainer>> DockerApiClient::inspect(const std::string& id) const {
  auto answer = http_.get(std::string(kApi) + "/containers/" + id + "/json");
  if (!answer) return tl::unexpected(answer.error());
  if (answer->status == 404) return std::optional<ce::EngineContainer>();
  if (answer->status != 200)
    return logicError(statusError("GET /containers/" + id.substr(0, 12) + "/json", *answer), options_.socketPath,
                      EPROTO);
  auto container = ce::parseContainerInspect(answer->body, options_.engine);
  if (!container) return tl::unexpected(container.error());
  return std::optional<ce::EngineContainer>(std::move(*container));
}

bool DockerApiClient::apply(std::string_view line, Error& failure) {
  auto event = ce::parseEvent(line);
  if (!event) {
    // One line we cannot read loses one event, not the stream: the next relist mends it.
    spdlog::debug("msg=\"engine event not understood\" engine={} error=\"{}\"", engine_, event.error().message());
    return true;
  }
  if (event->type != "container" || !ce::isFullContainerId(event->id)) return true;
  // Docker says `destroy`; podman's Docker-compatible stream says `remove` instead.
  if (event->action == "destroy" || event->action == "remove") {
    directory_->erase(event->id);
    return true;
  }
  if (!reinspects(event->action)) return true;
  auto container = inspect(event->id);
  if (!container) {
    failure = container.error();
    return false;
  }
  if (*container)
    directory_->upsert(**container);
  else
    directory_->erase(event->id);  // gone again already
  return true;
}

void DockerApiClient::connected(size_t containers) {
  if (!wasConnected_) {
    spdlog::info("msg=\"engine connected\" engine={} socket={} containers={}", engine_, options_.socketPath,
                 containers);
  } else if (failureLogged_) {
    auto downS = std::chrono::duration<double>(std::chrono::steady_clock::now() - downSince_).count();
    spdlog::info("msg=\"engine back; its containers listed again\" engine={} socket={} containers={} down_s={:.0f}",
                 engine_, options_.socketPath, containers, downS);
  }
  wasConnected_ = true;
  failureLogged_ = false;
}

// Once per outage, not per retry: an engine that is not there is not news every few seconds.
void DockerApiClient::failed(const Error& error) {
  if (failureLogged_) return;
  failureLogged_ = true;
  downSince_ = std::chrono::steady_clock::now();
  bool absent = error.errnum == ENOENT;
  if (wasConnected_) {
    spdlog::warn("msg=\"engine went away; its containers keep their names, retrying\" engine={} socket={} error=\"{}\"",
                 engine_, options_.socketPath, error.message());
  } else if (absent && options_.onlyWhenPresent) {
    spdlog::info("msg=\"no engine socket; its containers show by id until it appears\" engine={} socket={}", engine_,
                 options_.socketPath);
  } else {
    spdlog::warn(
        "msg=\"engine not reachable; its containers show by id, retrying\" engine={} socket={} error=\"{}\" "
        "hint=\"start the engine, or set engines.{}.socket (or enabled: false) in agentd's config\"",
        engine_, options_.socketPath, error.message(), engine_);
  }
}

}  // namespace agent::engines
