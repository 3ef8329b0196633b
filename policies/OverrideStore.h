#pragma once
// Per-container overrides set with `agentctl limit`, kept in STATE_DIR/overrides.json so
// that they outlive agentd. Keyed by the agent container's id, or by the cgroup path of a
// container another runtime started. Each change is on disk before it is acknowledged.
// Thread-safe: API threads and the reconciler share one store.
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "Error.h"
#include "LimitSet.h"

namespace agent::policies {

class OverrideStore {
 public:
  // Reads `dir`/overrides.json when it exists. A file that cannot be parsed is an error
  // (agentd refuses to start rather than drop what users set).
  static Result<OverrideStore> open(const std::string& dir);
  OverrideStore(OverrideStore&& other) noexcept;

  std::optional<LimitSet> get(const std::string& key) const;
  std::map<std::string, LimitSet> all() const;
  // Merges `limits` into the key's override (set fields replace) and saves.
  Result<LimitSet> merge(const std::string& key, const LimitSet& limits);
  Result<void> erase(const std::string& key);

 private:
  explicit OverrideStore(std::string dir) : dir_(std::move(dir)) {}
  Result<void> saveLocked() const;

  std::string dir_;
  mutable std::mutex mutex_;
  std::map<std::string, LimitSet> overrides_;
};

}  // namespace agent::policies
