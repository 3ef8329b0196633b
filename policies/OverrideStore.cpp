#include "OverrideStore.h"

#include <filesystem>

#include "AtomicFile.h"
#include "FileAt.h"

namespace agent::policies {

namespace {
constexpr char kFile[] = "overrides.json";
// Stored values were checked against the host when set; a host with fewer CPUs since then
// still loads them (the kernel takes a quota above the host's CPUs).
constexpr unsigned kAnyCpus = 1u << 20;
}  // namespace

OverrideStore::OverrideStore(OverrideStore&& other) noexcept : dir_(std::move(other.dir_)) {
  std::lock_guard lock(other.mutex_);
  overrides_ = std::move(other.overrides_);
}

Result<OverrideStore> OverrideStore::open(const std::string& dir) {
  OverrideStore store(dir);
  std::string path = dir + "/" + kFile;
  if (!std::filesystem::exists(path)) return store;
  auto text = readWholeFile(path);
  if (!text) return tl::unexpected(text.error());
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("overrides") || !json["overrides"].is_object()) {
    return userError(path +
                     " is not the overrides file agentd writes; move it aside to start without the limits it held");
  }
  for (const auto& [key, value] : json["overrides"].items()) {
    auto limits = limitSetFromJson(value, kAnyCpus);
    if (!limits) {
      return userError(path + " holds a bad override for " + key + " (" + limits.error().message() +
                       "); fix or remove that entry, or move the file aside to start without the limits it held");
    }
    store.overrides_[key] = *limits;
  }
  return store;
}

std::optional<LimitSet> OverrideStore::get(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto found = overrides_.find(key);
  if (found == overrides_.end()) return std::nullopt;
  return found->second;
}

std::map<std::string, LimitSet> OverrideStore::all() const {
  std::lock_guard lock(mutex_);
  return overrides_;
}

Result<LimitSet> OverrideStore::merge(const std::string& key, const LimitSet& limits) {
  std::lock_guard lock(mutex_);
  auto before = overrides_;
  overrides_[key].merge(limits);
  if (before.count(key) && before[key] == overrides_[key]) return overrides_[key];  // nothing new to save
  if (auto saved = saveLocked(); !saved) {
    overrides_ = std::move(before);  // not on disk: not acknowledged, not kept
    return tl::unexpected(saved.error());
  }
  return overrides_[key];
}

Result<void> OverrideStore::erase(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (overrides_.erase(key) == 0) return {};
  return saveLocked();
}

Result<void> OverrideStore::saveLocked() const {
  nlohmann::json j = {{"version", 1}, {"overrides", nlohmann::json::object()}};
  for (const auto& [key, limits] : overrides_) j["overrides"][key] = toJson(limits);
  return writeFileAtomically(dir_, kFile, j.dump(2) + "\n");
}

}  // namespace agent::policies
