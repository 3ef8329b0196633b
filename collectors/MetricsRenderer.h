#pragma once
// A Snapshot as Prometheus metric families, with cAdvisor's names and labels (SPEC.md,
// docs/metrics.md) so that existing cAdvisor dashboards work unchanged.
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "Snapshot.h"

namespace agent::collectors {

struct RenderOptions {
  std::string version;
  // Container label keys exported as container_label_<key> (never all of them: cardinality).
  std::vector<std::string> labelAllowlist;
};

std::vector<prometheus::MetricFamily> renderMetrics(const Snapshot& snapshot, const RenderOptions& options);

// "container_label_" + the key with every character outside [a-zA-Z0-9_] made '_'.
std::string labelName(const std::string& key);

}  // namespace agent::collectors
