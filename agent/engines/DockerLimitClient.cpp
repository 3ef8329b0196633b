#include "DockerLimitClient.h"

#include <nlohmann/json.hpp>

#include "DockerLimitUpdate.h"
#include "DockerResources.h"

namespace agent::engines {

namespace {

// Docker's errors are {"message": "..."}; anything else is shown as it came (shortened).
std::string messageOf(const HttpResponse& response) {
  auto json = nlohmann::json::parse(response.body, nullptr, false);
  if (json.is_object() && json.contains("message") && json["message"].is_string()) {
    return json["message"].get<std::string>();
  }
  return response.body.substr(0, 200);
}

// What to do about Docker's refusals of an update (moby: Container.UpdateContainer,
// verifyPlatformContainerResources).
std::string whatToDo(const std::string& message) {
  if (message.find("Minimum memory limit") != std::string::npos) return "ask for 6Mi or more";
  // "Range of CPUs..." in Docker 28, "range of CPUs..." in later ones.
  if (message.find("ange of CPUs") != std::string::npos) return "ask for at most the host's CPUs";
  if (message.find("Conflicting options") != std::string::npos) {
    return "the container's CPU limit was changed between --cpus and --cpu-quota meanwhile; the next pass reads it "
           "again and goes by what it holds then";
  }
  if (message.find("marked for removal") != std::string::npos) return "the container is being removed";
  return "dockerd's log says more; `docker update` takes the same values";
}

}  // namespace

namespace {

// A request that got no answer, said as what it means for the limit (not curl's words).
Error unanswered(const Error& error, const std::string& socket) {
  std::string why;
  switch (error.errnum) {
    case ENOENT:
      why = "Docker is not running: " + socket + " does not exist";
      break;
    case ECONNREFUSED:
      why = "Docker is not running: nothing listens on " + socket;
      break;
    case ETIMEDOUT:
      why = "Docker did not answer on " + socket + " in time (is dockerd hung?)";
      break;
    default:
      why = "Docker could not be asked on " + socket + " (" + error.message() + ")";
      break;
  }
  // A policy's limit is tried again at every pass; a refused `agentctl limit` is not kept.
  return userError(why +
                       "; start it and ask again (a policy's limit is put in force at the first pass after it "
                       "answers)",
                   EHOSTDOWN)
      .value();
}

}  // namespace

DockerLimitClient::DockerLimitClient(std::shared_ptr<const UnixSocketHttp> http, std::string apiPrefix)
    : http_(std::move(http)), apiPrefix_(std::move(apiPrefix)) {}

Result<void> DockerLimitClient::update(const std::string& id, const policies::LimitSet& desired, uint64_t pageSize) {
  std::string shortId = id.substr(0, 12);
  std::string container = apiPrefix_ + "/containers/" + id;
  auto inspected = http_->get(container + "/json");
  if (!inspected) return tl::unexpected(unanswered(inspected.error(), http_->socketPath()));
  if (inspected->status == 404) {
    return userError("Docker has no container " + shortId + " any more (removed meanwhile)", ENOENT);
  }
  if (inspected->status != 200) {
    return userError("Docker did not say what container " + shortId + " holds (HTTP " +
                         std::to_string(inspected->status) + ": " + messageOf(*inspected) +
                         "); dockerd's log says more",
                     EREMOTEIO);
  }
  auto current = collectors::engines::parseDockerResources(inspected->body);
  if (!current) {
    return userError("Docker's answer for container " + shortId + " was not understood (" + current.error().message() +
                         "); is " + http_->socketPath() + " a Docker Engine API socket?",
                     EREMOTEIO);
  }
  auto body = dockerUpdateBody(desired, *current, pageSize);
  if (!body) return tl::unexpected(body.error());
  auto updated = http_->post(container + "/update", body->dump());
  if (!updated) return tl::unexpected(unanswered(updated.error(), http_->socketPath()));
  if (updated->status == 404) {
    // It answered for the container a moment ago: an API without Docker's update (podman's
    // Docker-compatible socket answers 404 there), unless the container went in between.
    return userError("the engine on " + http_->socketPath() + " knows container " + shortId +
                         " but has no update for it (HTTP 404: podman's Docker-compatible API has none); give "
                         "that socket as engines.podman instead of engines.docker, and its limits go to the cgroup "
                         "files",
                     ENOENT);
  }
  if (updated->status != 200) {
    std::string message = messageOf(*updated);
    return userError("Docker refused the update of container " + shortId + " " + body->dump() + " (HTTP " +
                         std::to_string(updated->status) + ": " + message + "): " + whatToDo(message),
                     EREMOTEIO);
  }
  return {};
}

}  // namespace agent::engines
