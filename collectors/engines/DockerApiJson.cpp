#include "DockerApiJson.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "MessageText.h"

namespace agent::collectors::engines {

namespace {

using nlohmann::json;

tl::unexpected<Error> invalid(std::string_view what, const std::string& why) {
  return logicError("read the engine's " + std::string(what) + ": " + why, "", EPROTO);
}

// The document, or a null json when the text is not JSON (no exception escapes).
json parsed(std::string_view text) {
  return json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

// obj[key] as a string: "" when absent or null; false when present with another type.
bool stringAt(const json& obj, const char* key, std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    out.clear();
    return true;
  }
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

// obj[key] as an object; nullptr when absent or null (Docker writes "Labels": null).
const json* objectAt(const json& obj, const char* key, bool& wrongType) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  if (!it->is_object()) {
    wrongType = true;
    return nullptr;
  }
  return &*it;
}

}  // namespace

bool isFullContainerId(std::string_view id) {
  return id.size() == 64 &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<std::vector<std::string>> parseContainerIds(std::string_view text) {
  constexpr std::string_view kWhat = "container list (GET /containers/json)";
  json doc = parsed(text);
  if (!doc.is_array()) return invalid(kWhat, "not a JSON array");
  std::vector<std::string> ids;
  ids.reserve(doc.size());
  for (const auto& item : doc) {
    std::string id;
    if (!item.is_object() || !stringAt(item, "Id", id)) return invalid(kWhat, "an entry without a string `Id`");
    if (!isFullContainerId(id)) return invalid(kWhat, "`Id` is not 64 hex digits");
    ids.push_back(std::move(id));
  }
  return ids;
}

Result<EngineContainer> parseContainerInspect(std::string_view text, Engine engine) {
  constexpr std::string_view kWhat = "container inspect (GET /containers/{id}/json)";
  json doc = parsed(text);
  if (!doc.is_object()) return invalid(kWhat, "not a JSON object");
  EngineContainer c;
  c.engine = engine;
  // Docker's POST /containers/{id}/update keeps a limit in the container's HostConfig; podman
  // 4.3 answers 404 there (and its libpod update is not kept), so its limits go to the files.
  c.limitsByApi = engine == Engine::Docker;
  if (!stringAt(doc, "Id", c.id) || !isFullContainerId(c.id)) return invalid(kWhat, "`Id` is not 64 hex digits");
  if (!stringAt(doc, "Name", c.name)) return invalid(kWhat, "`Name` is not a string");
  if (!c.name.empty() && c.name.front() == '/') c.name.erase(0, 1);
  bool wrongType = false;
  if (const json* config = objectAt(doc, "Config", wrongType)) {
    if (!stringAt(*config, "Image", c.image)) return invalid(kWhat, "`Config.Image` is not a string");
    if (const json* labels = objectAt(*config, "Labels", wrongType)) {
      for (const auto& [key, value] : labels->items()) {
        if (!value.is_string()) return invalid(kWhat, "label " + quotedForMessage(key, 64) + " is not a string");
        c.labels.emplace(key, value.get<std::string>());
      }
    }
  }
  if (const json* driver = objectAt(doc, "GraphDriver", wrongType)) {
    if (const json* data = objectAt(*driver, "Data", wrongType)) {
      if (!stringAt(*data, "UpperDir", c.upperDir))
        return invalid(kWhat, "`GraphDriver.Data.UpperDir` is not a string");
    }
  }
  if (wrongType) return invalid(kWhat, "`Config`, `Config.Labels`, `GraphDriver` or its `Data` is not an object");
  return c;
}

Result<EngineEvent> parseEvent(std::string_view line) {
  constexpr std::string_view kWhat = "event (GET /events)";
  json doc = parsed(line);
  if (!doc.is_object()) return invalid(kWhat, "not a JSON object");
  EngineEvent event;
  if (!stringAt(doc, "Type", event.type)) return invalid(kWhat, "`Type` is not a string");
  if (!stringAt(doc, "Action", event.action)) return invalid(kWhat, "`Action` is not a string");
  bool wrongType = false;
  if (const json* actor = objectAt(doc, "Actor", wrongType)) {
    if (!stringAt(*actor, "ID", event.id)) return invalid(kWhat, "`Actor.ID` is not a string");
  }
  if (wrongType) return invalid(kWhat, "`Actor` is not an object");
  // Before API 1.22 the fields were `status` and `id`; podman's compat stream still sends both.
  if (event.action.empty() && !stringAt(doc, "status", event.action)) return invalid(kWhat, "`status` is not a string");
  if (event.id.empty() && !stringAt(doc, "id", event.id)) return invalid(kWhat, "`id` is not a string");
  return event;
}

}  // namespace agent::collectors::engines
