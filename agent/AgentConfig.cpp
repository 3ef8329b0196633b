#include "AgentConfig.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

namespace agent {

namespace {
std::string where(const std::string& path, const YAML::Mark& mark) {
  return path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}
}  // namespace

Result<void> loadConfigFile(const std::string& path, bool required, AgentConfig& config) {
  if (!std::filesystem::exists(path)) {
    if (!required) return {};
    return logicError("read config file", path, ENOENT);
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return logicError("parse config (" + e.msg + ")", where(path, e.mark), EINVAL);
  }
  if (root.IsNull()) return {};
  if (!root.IsMap()) return logicError("read config (the top level must be a mapping of keys)", path, EINVAL);
  struct Key {
    const char* name;
    std::string AgentConfig::*text;
  };
  static constexpr Key kKeys[] = {{"state_dir", &AgentConfig::stateDir},
                                  {"data_dir", &AgentConfig::dataDir},
                                  {"policy_dir", &AgentConfig::policyDir},
                                  {"cgroup_parent", &AgentConfig::cgroupParent},
                                  {"metrics_address", &AgentConfig::metricsAddress},
                                  {"api_address", &AgentConfig::apiAddress},
                                  {"log_level", &AgentConfig::logLevel},
                                  {"shim_path", &AgentConfig::shimPath}};
  for (const auto& entry : root) {
    std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    bool known = false;
    try {
      for (const auto& k : kKeys) {
        if (key == k.name) {
          config.*k.text = value.as<std::string>();
          known = true;
        }
      }
      if (key == "log_max_bytes") {
        config.logMaxBytes = value.as<uint64_t>();
        if (config.logMaxBytes < 4096) {
          return logicError("read config (`log_max_bytes` is at least 4096: a page, for the log's frames)",
                            where(path, value.Mark()), EINVAL);
        }
        known = true;
      }
      if (key == "collect_interval") {
        double seconds = value.as<double>();
        if (!(seconds >= 0.1 && seconds <= 3600)) {
          return logicError("read config (`collect_interval` is in seconds, from 0.1 to 3600)",
                            where(path, value.Mark()), EINVAL);
        }
        config.collectIntervalSeconds = seconds;
        known = true;
      }
      if (key == "reconcile_interval") {
        double seconds = value.as<double>();
        if (!(seconds >= 0.1 && seconds <= 3600)) {
          return logicError("read config (`reconcile_interval` is in seconds, from 0.1 to 3600)",
                            where(path, value.Mark()), EINVAL);
        }
        config.reconcileIntervalSeconds = seconds;
        known = true;
      }
      if (key == "enforce") {
        config.enforce = value.as<bool>();
        known = true;
      }
      if (key == "idle_refresh") {
        double seconds = value.as<double>();
        if (!(seconds >= 0 && seconds <= 3600)) {
          return logicError("read config (`idle_refresh` is in seconds, from 0 (read everything every cycle) to 3600)",
                            where(path, value.Mark()), EINVAL);
        }
        config.idleRefreshSeconds = seconds;
        known = true;
      }
      if (key == "max_staleness") {
        double seconds = value.as<double>();
        if (!(seconds >= 0 && seconds <= 3600)) {
          return logicError("read config (`max_staleness` is in seconds, from 0 (never refresh on a scrape) to 3600)",
                            where(path, value.Mark()), EINVAL);
        }
        config.maxStalenessSeconds = seconds;
        known = true;
      }
      if (key == "export") {
        config.exportMode = value.as<std::string>();
        if (config.exportMode != "containers" && config.exportMode != "all") {
          return logicError("read config (`export` is `containers` or `all`)", where(path, value.Mark()), EINVAL);
        }
        known = true;
      }
      if (key == "max_depth") {
        config.maxDepth = value.as<uint64_t>();
        known = true;
      }
      if (key == "ignore_cgroups" || key == "container_labels") {
        if (!value.IsSequence()) {
          return logicError("read config (`" + key + "` is a list of strings)", where(path, value.Mark()), EINVAL);
        }
        auto& list = key == "ignore_cgroups" ? config.ignoreCgroups : config.containerLabels;
        list.clear();
        for (const auto& item : value) list.push_back(item.as<std::string>());
        known = true;
      }
      if (key == "standby_containers") {
        config.standbyContainers = value.as<uint64_t>();
        if (config.standbyContainers > 64) {
          return logicError("read config (`standby_containers` is at most 64)", where(path, value.Mark()), EINVAL);
        }
        known = true;
      }
    } catch (const YAML::Exception&) {
      return logicError("read config (`" + key + "` has the wrong type)", where(path, value.Mark()), EINVAL);
    }
    if (!known) return logicError("read config (unknown key `" + key + "`)", where(path, entry.first.Mark()), EINVAL);
  }
  return {};
}

}  // namespace agent
