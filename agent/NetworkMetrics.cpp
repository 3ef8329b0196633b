#include "NetworkMetrics.h"

#include "LabelText.h"

namespace agent {

std::vector<prometheus::MetricFamily> NetworkMetrics::Collect() const {
  prometheus::MetricFamily ports{"agent_container_port",
                                 "A port published by a container on the agent's bridge (-p): always 1.",
                                 prometheus::MetricType::Gauge,
                                 {}};
  for (const auto& entry : network_.published()) {
    prometheus::ClientMetric metric;
    metric.label = {{"id", entry.id},
                    {"name", collectors::utf8LabelValue(entry.name)},
                    {"host_ip", entry.port.hostIp},
                    {"host_port", std::to_string(entry.port.hostPort)},
                    {"container_port", std::to_string(entry.port.containerPort)},
                    {"proto", entry.port.protocol}};
    metric.gauge.value = 1;
    ports.metric.push_back(std::move(metric));
  }
  prometheus::MetricFamily restored{"agent_network_rules_restored_total",
                                    "Times the agent's nftables table was found missing or changed and applied again.",
                                    prometheus::MetricType::Counter,
                                    {}};
  prometheus::ClientMetric count;
  count.counter.value = static_cast<double>(network_.rulesRestored());
  restored.metric.push_back(std::move(count));
  std::vector<prometheus::MetricFamily> families;
  if (!ports.metric.empty()) families.push_back(std::move(ports));
  families.push_back(std::move(restored));
  return families;
}

}  // namespace agent
