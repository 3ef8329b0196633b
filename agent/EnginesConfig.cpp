#include "EnginesConfig.h"

#include <yaml-cpp/yaml.h>

namespace agent {

namespace {

tl::unexpected<Error> sectionError(const std::string& path, const YAML::Mark& mark, const std::string& what) {
  return userError(path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " + what +
                       "; fix the config file",
                   EINVAL);
}

// The engines the section knows, each with where its settings go: a new engine is one row.
struct EngineEntry {
  std::string_view name;
  EngineSettings EnginesConfig::*settings;
};
constexpr EngineEntry kEngines[] = {{"docker", &EnginesConfig::docker}, {"podman", &EnginesConfig::podman}};

std::string engineList() {
  std::string out;
  for (const auto& e : kEngines) out += (out.empty() ? "" : ", ") + std::string(e.name);
  return out;
}

Result<void> readEngine(const std::string& path, std::string_view engine, const YAML::Node& node,
                        EngineSettings& settings) {
  std::string where = "engines." + std::string(engine);
  if (!node.IsMap())
    return sectionError(path, node.Mark(), "`" + where + "` is a mapping: {socket: PATH, enabled: auto}");
  for (const auto& entry : node) {
    std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    if (!value.IsScalar()) return sectionError(path, value.Mark(), "`" + where + "." + key + "` is a single value");
    std::string text = value.as<std::string>();
    if (key == "socket") {
      if (text.empty() || text.front() != '/')
        return sectionError(path, value.Mark(),
                            "`" + where + ".socket` is the absolute path of the engine's API socket");
      settings.socket = text;
    } else if (key == "enabled") {
      if (text == "auto")
        settings.use = EngineUse::Auto;
      else if (text == "true")
        settings.use = EngineUse::On;
      else if (text == "false")
        settings.use = EngineUse::Off;
      else
        return sectionError(
            path, value.Mark(),
            "`" + where + ".enabled` is auto (when the socket exists), true or false, not `" + text + "`");
    } else {
      return sectionError(path, entry.first.Mark(),
                          "unknown key `" + key + "` in `" + where + "`; it takes `socket` and `enabled`");
    }
  }
  return {};
}

}  // namespace

std::string_view engineUseName(EngineUse use) {
  switch (use) {
    case EngineUse::Auto:
      return "auto";
    case EngineUse::On:
      return "true";
    case EngineUse::Off:
      return "false";
  }
  return "auto";
}

Result<void> readEnginesSection(const std::string& path, const YAML::Node& node, EnginesConfig& engines) {
  if (node.IsNull()) return {};
  if (!node.IsMap())
    return sectionError(path, node.Mark(), "`engines` is a mapping of engine names (" + engineList() + ")");
  for (const auto& entry : node) {
    std::string name = entry.first.as<std::string>();
    const EngineEntry* found = nullptr;
    for (const auto& e : kEngines) {
      if (e.name == name) found = &e;
    }
    if (!found) {
      return sectionError(path, entry.first.Mark(),
                          "unknown engine `" + name + "` in `engines`; known: " + engineList());
    }
    if (auto read = readEngine(path, name, entry.second, engines.*(found->settings)); !read) return read;
  }
  return {};
}

}  // namespace agent
