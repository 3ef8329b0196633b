#pragma once
// What a container's writable layer takes on disk: container_fs_usage_bytes and
// container_fs_limit_bytes (cAdvisor's names, docs/metrics.md). Measured by
// LayerUsageSampler on its own thread, at most every `fs_usage_interval`, never by the
// collection cycle itself.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace agent::collectors {

struct LayerUsage {
  std::string device;       // the filesystem holding the layer, as cAdvisor names it ("/dev/vda")
  uint64_t usageBytes = 0;  // du of the upper dir: allocated blocks, each inode once
  uint64_t limitBytes = 0;  // that filesystem's capacity (statfs): Docker sets no limit, cAdvisor's choice
  uint64_t inodes = 0;
};

// By container id (the cgroup's Classification::id).
using LayerUsages = std::map<std::string, LayerUsage>;
using LayerUsagesPtr = std::shared_ptr<const LayerUsages>;

}  // namespace agent::collectors
