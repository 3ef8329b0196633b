#pragma once
// A Snapshot in the Prometheus text format (0.0.4), with cAdvisor's names and labels
// (SPEC.md, docs/metrics.md) so that existing cAdvisor dashboards work unchanged.

#include <string>
#include <vector>

#include "Snapshot.h"

namespace agent::collectors {

struct RenderOptions {
  std::string version;
  // Container label keys exported as container_label_<key> (never all of them: cardinality).
  std::vector<std::string> labelAllowlist;
};

std::string renderMetrics(const Snapshot& snapshot, const RenderOptions& options);

// "container_label_" + the key with every character outside [a-zA-Z0-9_] made '_'.
std::string labelName(const std::string& key);

}  // namespace agent::collectors
