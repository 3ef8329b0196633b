#pragma once
// A Snapshot in the Prometheus text format (0.0.4), with cAdvisor's names and labels
// (SPEC.md, docs/metrics.md) so that existing cAdvisor dashboards work unchanged.

#include <string>
#include <vector>

#include "LabelText.h"
#include "Snapshot.h"

namespace agent::collectors {

struct RenderOptions {
  std::string version;
  // Container label keys exported as container_label_<key> (never all of them: cardinality).
  // Keys whose label names collide are exported once, under the first of them.
  std::vector<std::string> labelAllowlist;
};

std::string renderMetrics(const Snapshot& snapshot, const RenderOptions& options);

}  // namespace agent::collectors
