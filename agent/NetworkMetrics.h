#pragma once
// Bridge networking's series for /metrics (docs/metrics.md):
//   agent_container_port{id,name,host_ip,host_port,container_port,proto} 1: each published port;
//   agent_network_rules_restored_total: times the agent's nftables table was found gone or changed and put
//   back (BridgeTableWatch.h).
// The containers' own traffic is container_network_* (per interface, from /proc/PID/net/dev).
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "BridgeNetworking.h"

namespace agent {

class NetworkMetrics : public prometheus::Collectable {
 public:
  explicit NetworkMetrics(const BridgeNetworking& network) : network_(network) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const BridgeNetworking& network_;
};

}  // namespace agent
