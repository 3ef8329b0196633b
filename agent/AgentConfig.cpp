#include "AgentConfig.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "LabelText.h"

namespace agent {

namespace {
std::string where(const std::string& path, const YAML::Mark& mark) {
  return path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

// `container_labels`: each key is exported as one label name (collectors::labelName), so two
// keys that give the same name (`app.kubernetes.io/name` and `app_kubernetes_io_name`, or one
// key listed twice) would put two labels of one name on a series, which Prometheus refuses
// ("duplicate label names"): the whole scrape would be lost. The prefix container_label_ keeps
// them apart from every other label of those series (id, name, image, cpu, device, interface).
Result<std::vector<std::string>> readContainerLabels(const std::string& path, const YAML::Node& list) {
  std::vector<std::string> keys;
  std::vector<std::pair<std::string, YAML::Mark>> names;  // the label name of each key, and where
  for (const auto& item : list) {
    if (!item.IsScalar()) {
      return logicError("read config (`container_labels` is a list of label keys (strings))", where(path, item.Mark()),
                        EINVAL);
    }
    std::string key = item.as<std::string>();
    if (key.empty()) {
      return logicError("read config (`container_labels` has an empty key; give the label key to export)",
                        where(path, item.Mark()), EINVAL);
    }
    std::string name = collectors::labelName(key);
    if (!collectors::isValidLabelName(name)) {
      return logicError("read config (`container_labels`: `" + key + "` makes no valid label name)",
                        where(path, item.Mark()), EINVAL);
    }
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i].first != name) continue;
      std::string earlier = "line " + std::to_string(names[i].second.line + 1);
      std::string why = keys[i] == key
                            ? "`" + key + "` is listed twice (also at " + earlier + ")"
                            : "`" + key + "` and `" + keys[i] + "` (" + earlier + ") are both exported as the label " +
                                  name + " (every character outside [a-zA-Z0-9_] becomes '_')";
      return logicError("read config (`container_labels`: " + why + "; keep one of them)", where(path, item.Mark()),
                        EINVAL);
    }
    names.emplace_back(name, item.Mark());
    keys.push_back(std::move(key));
  }
  return keys;
}
}  // namespace

const std::vector<std::string_view>& configKeys() {
  static const std::vector<std::string_view> keys = {
      "state_dir",   "data_dir",           "policy_dir",       "cgroup_parent",   "metrics_address",
      "api_address", "log_level",          "shim_path",        "log_max_bytes",   "standby_containers",
      "enforce",     "reconcile_interval", "collect_interval", "idle_refresh",    "max_staleness",
      "export",      "max_depth",          "ignore_cgroups",   "container_labels"};
  return keys;
}

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
    const auto& keys = configKeys();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      return logicError("read config (unknown key `" + key + "`; docs/agentd.md and agent/agent.yaml list the keys)",
                        where(path, entry.first.Mark()), EINVAL);
    }
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
        if (key == "container_labels") {
          auto labels = readContainerLabels(path, value);
          if (!labels) return tl::unexpected(labels.error());
          config.containerLabels = std::move(*labels);
        } else {
          config.ignoreCgroups.clear();
          for (const auto& item : value) config.ignoreCgroups.push_back(item.as<std::string>());
        }
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
    // A key of configKeys() that no branch above reads is this file's fault, not the user's.
    if (!known)
      return logicError("read config (key `" + key + "` is listed but not read)", where(path, entry.first.Mark()),
                        EINVAL);
  }
  return {};
}

}  // namespace agent
