#pragma once
// Docker Engine API answers (also podman's Docker-compatible API), parsed: the container
// listing, one container's inspect, one line of the events stream. Pure: the text comes from
// the engine client (agent/engines/DockerEngineClient), nothing here does I/O. Fields this
// agent does not use are ignored; a field it uses with the wrong type is an error naming it.
#include <string>
#include <string_view>
#include <vector>

#include "EngineContainer.h"
#include "Error.h"

namespace agent::collectors::engines {

// GET /containers/json?all=1: the full ids (64 hex) of every container, in the engine's order.
Result<std::vector<std::string>> parseContainerIds(std::string_view json);

// GET /containers/{id}/json: id, name without its leading '/', Config.Image as the user wrote
// it, Config.Labels, GraphDriver.Data.UpperDir (overlay2). `engine` tags the result; the
// engine takes limits through its API (limitsByApi).
Result<EngineContainer> parseContainerInspect(std::string_view json, Engine engine);

// One line of GET /events: what happened to which object.
struct EngineEvent {
  std::string type;    // "container", "image", "network", ...
  std::string action;  // "create", "rename", "destroy", "start", "exec_start: sh", ...
  std::string id;      // Actor.ID (the container's full id for container events)
  bool operator==(const EngineEvent&) const = default;
};
Result<EngineEvent> parseEvent(std::string_view line);

// True for a full container id: 64 lower-case hex digits (what cgroup paths carry).
bool isFullContainerId(std::string_view id);

}  // namespace agent::collectors::engines
