#include "PolicyLoader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "FileAt.h"

namespace agent::policies {

namespace {

// Collects errors with their positions while one file is read.
class Reader {
 public:
  Reader(std::string path, unsigned hostCpus, std::vector<std::string>& errors)
      : path_(std::move(path)), hostCpus_(hostCpus), errors_(errors) {}

  std::string where(const YAML::Node& node) const { return where(node.Mark()); }
  std::string where(const YAML::Mark& mark) const {
    return path_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  void error(const YAML::Node& node, const std::string& message) { errors_.push_back(where(node) + ": " + message); }
  void error(const YAML::Mark& mark, const std::string& message) { errors_.push_back(where(mark) + ": " + message); }

  // A mapping's key as text; a key that is itself a list or mapping ("[a]: 1") is reported
  // and read as "" (which no known key equals).
  std::string keyOf(const YAML::Node& key) {
    if (key.IsScalar()) return key.Scalar();
    error(key, "keys must be plain words, not lists or mappings");
    return "";
  }

  // Keys of a map other than `known` are errors; false when `node` is not a map at all.
  bool checkMap(const YAML::Node& node, const std::string& what, std::initializer_list<std::string_view> known) {
    if (!node.IsMap()) {
      error(node, what + " must be a mapping (key: value lines)");
      return false;
    }
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        keyOf(entry.first);
        continue;
      }
      std::string key = entry.first.Scalar();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string list;
        for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        error(entry.first, "unknown key `" + key + "` in " + what + " (known: " + list + ")");
      }
    }
    return true;
  }

  std::optional<std::vector<std::string>> strings(const YAML::Node& node, const std::string& what) {
    if (!node.IsSequence()) {
      error(node, what + " must be a list, e.g. [\"web-*\"]");
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        error(item, what + " entries must be strings");
        continue;
      }
      out.push_back(item.Scalar());
    }
    return out;
  }

  LimitSet limits(const YAML::Node& node, const std::string& what) {
    LimitSet set;
    if (!checkMap(node, what, {"cpu", "memory", "pids"})) return set;
    for (const auto& entry : node) {
      std::string key = keyOf(entry.first);
      const YAML::Node& value = entry.second;
      if (!value.IsScalar()) {
        error(value, what + "." + key + " must be a quantity such as 50%, 256Mi, 100 or max");
        continue;
      }
      auto resource = resourceNamed(key);
      if (!resource) continue;  // reported by checkMap
      if (auto parsed = setQuantity(set, *resource, value.Scalar(), hostCpus_); !parsed)
        error(value, what + "." + key + ": " + parsed.error().message());
    }
    return set;
  }

  std::optional<Policy> policy(const YAML::Node& node) {
    if (!checkMap(node, "a policy", {"name", "priority", "match", "limits", "max", "security"})) return std::nullopt;
    Policy p;
    p.where = where(node);
    size_t errorsBefore = errors_.size();
    static const std::regex kName("[a-z0-9][a-z0-9-]*");
    if (!node["name"]) {
      error(node, "a policy needs a `name` ([a-z0-9][a-z0-9-]*, unique across all files)");
    } else if (!node["name"].IsScalar() || !std::regex_match(node["name"].Scalar(), kName)) {
      error(node["name"], "name `" + (node["name"].IsScalar() ? node["name"].Scalar() : std::string("?")) +
                              "` must be lowercase letters, digits and '-', starting with a letter or digit");
    } else {
      p.name = node["name"].Scalar();
    }
    if (node["priority"]) {
      try {
        p.priority = node["priority"].as<int>();
      } catch (const YAML::Exception&) {
        error(node["priority"], "priority must be a whole number (default 0; higher wins)");
      }
    }
    if (!node["match"]) {
      error(node, "policy `" + p.name + "` needs a `match` (names, labels and/or cgroups)");
    } else if (checkMap(node["match"], "match", {"names", "labels", "cgroups"})) {
      const YAML::Node& m = node["match"];
      if (m["names"]) p.match.names = strings(m["names"], "match.names").value_or(std::vector<std::string>{});
      if (m["cgroups"]) p.match.cgroups = strings(m["cgroups"], "match.cgroups").value_or(std::vector<std::string>{});
      if (m["labels"] && !m["labels"].IsMap()) {
        error(m["labels"], "match.labels must be a mapping, e.g. {tier: web}");
      } else if (m["labels"]) {
        for (const auto& entry : m["labels"]) {
          if (!entry.second.IsScalar()) {
            error(entry.second, "label values must be strings");
            continue;
          }
          p.match.labels[keyOf(entry.first)] = entry.second.Scalar();
        }
      }
      if (p.match.names.empty() && p.match.labels.empty() && p.match.cgroups.empty()) {
        error(m, "an empty match would apply to every container: give names, labels or cgroups");
      }
    }
    if (node["limits"]) p.limits = limits(node["limits"], "limits");
    if (node["max"]) p.max = limits(node["max"], "max");
    if (node["security"] && checkMap(node["security"], "security", {"seccomp"})) {
      const YAML::Node& seccomp = node["security"]["seccomp"];
      if (!seccomp || !seccomp.IsScalar() || seccomp.Scalar() != "required")
        error(node["security"], "security.seccomp must be `required` (containers matched may not run unconfined)");
      else
        p.seccompRequired = true;
    }
    if (!node["limits"] && !node["max"] && !node["security"])
      error(node, "policy `" + p.name + "` sets neither `limits`, `max` nor `security`");
    for (Resource r : kResources) {
      if (p.limits.has(r) && p.max.has(r) && exceeds(p.limits, p.max, r)) {
        error(node["limits"], "limits." + std::string(resourceName(r)) + " " + p.limits.format(r) +
                                  " is above this policy's max " + p.max.format(r));
      }
    }
    if (errors_.size() != errorsBefore) return std::nullopt;
    return p;
  }

  void file(const std::string& text, std::vector<Policy>& out) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      error(e.mark, "not valid YAML: " + e.msg);
      return;
    }
    if (root.IsNull()) return;  // an empty file: no policies
    if (!checkMap(root, "a policy file", {"policies"})) return;
    const YAML::Node& list = root["policies"];
    if (!list) {
      error(root, "a policy file holds `policies:`, a list of policies");
      return;
    }
    if (!list.IsSequence()) {
      error(list, "`policies` must be a list (each entry starts with `- name: ...`)");
      return;
    }
    for (const auto& node : list) {
      // yaml-cpp throws on conversions the checks above did not foresee: an error at its
      // position, never an exception out of the loader (agentd reads these files).
      try {
        if (auto p = policy(node)) out.push_back(std::move(*p));
      } catch (const YAML::Exception& e) {
        error(e.mark, "cannot read this policy: " + e.msg);
      }
    }
  }

 private:
  std::string path_;
  unsigned hostCpus_;
  std::vector<std::string>& errors_;
};

}  // namespace

LoadedPolicies loadPolicies(const std::vector<PolicyFile>& files, unsigned hostCpus) {
  LoadedPolicies loaded;
  std::vector<Policy> all;
  for (const auto& f : files) {
    Reader(f.path, hostCpus, loaded.errors).file(f.text, all);
    loaded.set.files.push_back(f.path);
  }
  std::map<std::string, std::string> seen;  // name -> where
  for (const auto& p : all) {
    auto [it, inserted] = seen.emplace(p.name, p.where);
    if (!inserted) loaded.errors.push_back(p.where + ": policy name `" + p.name + "` is taken (" + it->second + ")");
  }
  std::stable_sort(all.begin(), all.end(), [](const Policy& a, const Policy& b) {
    return a.priority != b.priority ? a.priority > b.priority : a.name < b.name;
  });
  loaded.set.policies = std::move(all);
  return loaded;
}

LoadedPolicies loadPolicyDir(const std::string& dir, unsigned hostCpus) {
  std::vector<PolicyFile> files;
  std::error_code ec;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto ext = entry.path().extension();
    // A ConfigMap volume's own entries (`..data`, `..2026_12_01_...`: kubelet's AtomicWriter)
    // are not policies; its keys are symlinks through `..data`, followed here.
    if (entry.path().filename().string().starts_with("..")) continue;
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  LoadedPolicies loaded;
  for (const auto& path : paths) {
    auto text = readWholeFile(path.string());
    if (!text) {
      loaded.errors.push_back(path.string() + ": cannot read: " + text.error().message());
      continue;
    }
    files.push_back({path.string(), std::move(*text)});
  }
  auto result = loadPolicies(files, hostCpus);
  result.errors.insert(result.errors.begin(), loaded.errors.begin(), loaded.errors.end());
  return result;
}

}  // namespace agent::policies
