#pragma once
// The seccomp filters agentd gives containers. The default profile depends on a container's
// capabilities (its includes/excludes), so its filter is compiled once per distinct
// capability set and kept for agentd's life: a `run` with a set seen before costs nothing.
#include <map>
#include <memory>
#include <mutex>

#include "SeccompCompiler.h"
#include "SeccompProfile.h"

namespace agent::seccomp {

// `profile` for a container with `capabilities` on this machine (nativeTarget).
Result<CompiledFilter> compileFor(const SeccompProfile& profile, container::CapabilitySet capabilities);

class SeccompFilterCache {
 public:
  explicit SeccompFilterCache(SeccompProfile profile) : profile_(std::move(profile)) {}

  // The default profile's filter for `capabilities`: compiled at its first use.
  Result<std::shared_ptr<const CompiledFilter>> filterFor(container::CapabilitySet capabilities);
  size_t compiledCount() const;

 private:
  SeccompProfile profile_;
  mutable std::mutex mutex_;
  std::map<uint64_t, std::shared_ptr<const CompiledFilter>> filters_;
};

}  // namespace agent::seccomp
