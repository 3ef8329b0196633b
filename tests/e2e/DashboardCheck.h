#pragma once
// The two dashboards of dashboards/ as Grafana would run them against a real Prometheus:
// every `label_values(METRIC, LABEL)` variable finds series carrying LABEL (and, given one,
// the container's name among its values), and every panel's PromQL, with $instance,
// $container and $__rate_interval filled in, is valid and returns series. Failures are
// gtest failures naming the dashboard, the panel and the query.
#include <string>

#include "PrometheusServer.h"

namespace e2e {

// `container`: the `name` label value the panels are filled with ($container).
// `v2`: the host's cgroup mode is unified; panels that need cgroup v2 (pressure, blkio
// without blk-throttle) are only checked as valid PromQL on v1 and hybrid.
void checkDashboardPanels(const PrometheusServer& prometheus, const std::string& instance, const std::string& container,
                          bool v2);

}  // namespace e2e
