#include "SeccompFilterCache.h"

namespace agent::seccomp {

Result<CompiledFilter> compileFor(const SeccompProfile& profile, container::CapabilitySet capabilities) {
  return compileFilter(resolveProfile(profile, nativeTarget(capabilities)));
}

Result<std::shared_ptr<const CompiledFilter>> SeccompFilterCache::filterFor(container::CapabilitySet capabilities) {
  std::lock_guard lock(mutex_);
  if (auto it = filters_.find(capabilities.bits()); it != filters_.end()) return it->second;
  auto compiled = compileFor(profile_, capabilities);
  if (!compiled) return tl::unexpected(compiled.error());
  auto filter = std::make_shared<const CompiledFilter>(std::move(*compiled));
  filters_.emplace(capabilities.bits(), filter);
  return filter;
}

size_t SeccompFilterCache::compiledCount() const {
  std::lock_guard lock(mutex_);
  return filters_.size();
}

}  // namespace agent::seccomp
