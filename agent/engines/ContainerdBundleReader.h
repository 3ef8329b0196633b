#pragma once
// Reads containerd's task bundles, <containerd state>/io.containerd.runtime.v2.task/<namespace>/
// <id>/config.json, for the facts parseContainerdBundle finds in them. A bundle exists while
// the container's task does (containerd removes it with the task), so a cgroup the collector
// classified as containerd's has one. No gRPC and no bolt DB: one small file per container.
#include <optional>
#include <string>

#include "ContainerdBundle.h"

namespace agent::engines {

class ContainerdBundleReader {
 public:
  // `stateDir`: containerd's `state` setting (/run/containerd by default).
  explicit ContainerdBundleReader(std::string stateDir);

  // The container `id` (hex, as the classifier found it) from the first namespace that has a
  // bundle for it; nullopt when none has (not containerd's: CRI-O's crio-<id>.scope, or gone).
  // An error: the bundle is there but cannot be read or is not a spec.
  Result<std::optional<collectors::engines::EngineContainer>> read(const std::string& id) const;

  const std::string& taskRoot() const { return taskRoot_; }

 private:
  std::string taskRoot_;
};

}  // namespace agent::engines
