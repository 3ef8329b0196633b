#include "AgentConfig.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "LabelText.h"
#include "NetworkAllowList.h"

namespace agent {

namespace {

// A mistake in the config file, at file:line:column, in one sentence; fixing the file is what
// to do.
tl::unexpected<Error> configError(const std::string& where, const std::string& what) {
  return userError(where + ": " + what + "; fix the config file", EINVAL);
}

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
      return configError(where(path, item.Mark()), "`container_labels` is a list of label keys (strings)");
    }
    std::string key = item.as<std::string>();
    if (key.empty()) {
      return configError(where(path, item.Mark()), "`container_labels` has an empty key; give the label key to export");
    }
    std::string name = collectors::labelName(key);
    if (!collectors::isValidLabelName(name)) {
      return configError(where(path, item.Mark()), "`container_labels`: `" + key + "` makes no valid label name");
    }
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i].first != name) continue;
      std::string earlier = "line " + std::to_string(names[i].second.line + 1);
      std::string why = keys[i] == key
                            ? "`" + key + "` is listed twice (also at " + earlier + ")"
                            : "`" + key + "` and `" + keys[i] + "` (" + earlier + ") are both exported as the label " +
                                  name + " (every character outside [a-zA-Z0-9_] becomes '_')";
      return configError(where(path, item.Mark()), "`container_labels`: " + why + "; keep one of them");
    }
    names.emplace_back(name, item.Mark());
    keys.push_back(std::move(key));
  }
  return keys;
}
}  // namespace

const std::vector<std::string_view>& configKeys() {
  static const std::vector<std::string_view> keys = {
      "state_dir", "data_dir", "policy_dir", "cgroup_parent", "cgroup_driver", "metrics_address", "api_address",
      "log_level", "shim_path", "log_max_bytes", "standby_containers", "enforce", "reconcile_interval",
      "collect_interval", "idle_refresh", "max_staleness", "export", "max_depth", "ignore_cgroups", "container_labels",
      "metrics_allow", "default_userns", "userns_user", "seccomp_profile", "max_image_upload", "engines",
      "containerd_state", "fs_usage_interval", "default_network", "bridge_name", "bridge_subnet", "dns_fallback",
      "nat_table",
      // TLS on the control API (ApiTlsConfig.h).
      "api_tls_cert", "api_tls_key"};
  return keys;
}

Result<void> loadConfigFile(const std::string& path, bool required, AgentConfig& config) {
  if (!std::filesystem::exists(path)) {
    if (!required) return {};
    return userError("the config file " + path +
                         " does not exist; give the path of one, or leave --config out for the "
                         "defaults",
                     ENOENT);
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return configError(where(path, e.mark), "not YAML (" + e.msg + ")");
  }
  if (root.IsNull()) return {};
  if (!root.IsMap()) return configError(path, "the top level must be a mapping of keys (key: value lines)");
  struct Key {
    const char* name;
    std::string AgentConfig::*text;
  };
  static constexpr Key kKeys[] = {{"state_dir", &AgentConfig::stateDir},
                                  {"data_dir", &AgentConfig::dataDir},
                                  {"policy_dir", &AgentConfig::policyDir},
                                  {"cgroup_parent", &AgentConfig::cgroupParent},
                                  {"cgroup_driver", &AgentConfig::cgroupDriver},
                                  {"metrics_address", &AgentConfig::metricsAddress},
                                  {"api_address", &AgentConfig::apiAddress},
                                  {"log_level", &AgentConfig::logLevel},
                                  {"shim_path", &AgentConfig::shimPath},
                                  {"userns_user", &AgentConfig::usernsUser},
                                  {"seccomp_profile", &AgentConfig::seccompProfile},
                                  {"containerd_state", &AgentConfig::containerdState}};
  for (const auto& entry : root) {
    std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    const auto& keys = configKeys();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      return configError(where(path, entry.first.Mark()),
                         "unknown key `" + key + "`; docs/agentd.md and agent/agent.yaml list the keys");
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
          return configError(where(path, value.Mark()),
                             "`log_max_bytes` is at least 4096: a page, for the log's frames");
        }
        known = true;
      }
      if (key == "max_image_upload") {
        config.maxImageUpload = value.as<uint64_t>();
        known = true;
      }
      if (key == "collect_interval") {
        double seconds = value.as<double>();
        if (!(seconds >= 0.1 && seconds <= 3600)) {
          return configError(where(path, value.Mark()), "`collect_interval` is in seconds, from 0.1 to 3600");
        }
        config.collectIntervalSeconds = seconds;
        known = true;
      }
      if (key == "reconcile_interval") {
        double seconds = value.as<double>();
        if (!(seconds >= 0.1 && seconds <= 3600)) {
          return configError(where(path, value.Mark()), "`reconcile_interval` is in seconds, from 0.1 to 3600");
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
          return configError(where(path, value.Mark()),
                             "`idle_refresh` is in seconds, from 0 (read everything every cycle) to 3600");
        }
        config.idleRefreshSeconds = seconds;
        known = true;
      }
      if (key == "fs_usage_interval") {
        double seconds = value.as<double>();
        if (!(seconds == 0 || (seconds >= 0.1 && seconds <= 86400))) {
          return configError(where(path, value.Mark()),
                             "`fs_usage_interval` is in seconds, from 0.1 to 86400, or 0 to measure no writable layer");
        }
        config.fsUsageIntervalSeconds = seconds;
        known = true;
      }
      if (key == "max_staleness") {
        double seconds = value.as<double>();
        if (!(seconds >= 0 && seconds <= 3600)) {
          return configError(where(path, value.Mark()),
                             "`max_staleness` is in seconds, from 0 (never refresh on a scrape) to 3600");
        }
        config.maxStalenessSeconds = seconds;
        known = true;
      }
      if (key == "export") {
        config.exportMode = value.as<std::string>();
        if (config.exportMode != "containers" && config.exportMode != "all") {
          return configError(where(path, value.Mark()), "`export` is `containers` or `all`");
        }
        known = true;
      }
      if (key == "default_userns") {
        config.defaultUserns = value.as<std::string>();
        if (config.defaultUserns != "host" && config.defaultUserns != "auto") {
          return configError(where(path, value.Mark()),
                             "`default_userns` is `host` (the host's users) or `auto` (a range of its own per "
                             "container)");
        }
        known = true;
      }
      if (key == "max_depth") {
        config.maxDepth = value.as<uint64_t>();
        known = true;
      }
      if (key == "ignore_cgroups" || key == "container_labels") {
        if (!value.IsSequence()) {
          return configError(where(path, value.Mark()), "`" + key + "` is a list of strings");
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
      if (key == "metrics_allow") {
        if (!value.IsSequence()) {
          return configError(where(path, value.Mark()),
                             "`metrics_allow` is a list of networks, e.g. [10.0.0.0/8, 127.0.0.1/32]");
        }
        config.metricsAllow.clear();
        for (const auto& item : value) {
          std::string text = item.as<std::string>();
          if (auto network = parseNetwork(text); !network) {
            return configError(where(path, item.Mark()), "`metrics_allow`: " + network.error().message());
          }
          config.metricsAllow.push_back(std::move(text));
        }
        known = true;
      }
      if (key == "engines") {
        if (auto read = readEnginesSection(path, value, config.engines); !read) return read;
        known = true;
      }
      if (isNetworkConfigKey(key)) {
        if (auto read = readNetworkConfigKey(where(path, value.Mark()), key, value, config.network); !read) return read;
        known = true;
      }
      if (isApiTlsConfigKey(key)) {
        if (auto read = readApiTlsConfigKey(where(path, value.Mark()), key, value, config.apiTls); !read) return read;
        known = true;
      }
      if (key == "standby_containers") {
        config.standbyContainers = value.as<uint64_t>();
        if (config.standbyContainers > 64) {
          return configError(where(path, value.Mark()), "`standby_containers` is at most 64");
        }
        known = true;
      }
    } catch (const YAML::Exception&) {
      return configError(where(path, value.Mark()), "`" + key + "` has the wrong type");
    }
    // A key of configKeys() that no branch above reads is this file's fault, not the user's.
    if (!known)
      return logicError("read config (key `" + key + "` is listed but not read)", where(path, entry.first.Mark()),
                        EINVAL);
  }
  return {};
}

}  // namespace agent
