#include "DiscoveredTarget.h"

namespace agent {

policies::LimitTarget discoveredTarget(const collectors::Snapshot& snapshot, const collectors::CgroupSample& sample) {
  policies::LimitTarget target{sample.path, sample.name, sample.path, false, {}, true};
  if (!snapshot.engineContainers) return target;
  auto found = snapshot.engineContainers->find(sample.classification.id);
  if (found == snapshot.engineContainers->end()) return target;
  target.labels = found->second.labels;
  target.engine = std::string(collectors::engines::engineName(found->second.engine));
  target.engineId = found->second.id;
  return target;
}

}  // namespace agent
