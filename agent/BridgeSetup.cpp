#include "BridgeSetup.h"

#include <fstream>
#include <sstream>

#include "HostRoutes.h"

namespace agent {

Result<BridgeSetup> setUpBridgeNetworking(const AgentConfig& config) {
  const NetworkConfig& network = config.network;
  bool asked = network.bridgeSubnetGiven || network.defaultNetwork == "bridge";
  auto subnet = net::Ipv4Subnet::parse(network.bridgeSubnet);
  if (!subnet) return tl::unexpected(subnet.error());
  // The routes of agentd's own network namespace (/proc/net/route is the reader's).
  std::ifstream routesFile("/proc/net/route");
  std::ostringstream routes;
  routes << routesFile.rdbuf();
  auto overlap = net::refuseSubnetOverlappingRoutes(*subnet, net::parseProcNetRoute(routes.str()), network.bridgeName);
  BridgeSetup setup;
  if (!overlap) {
    if (asked) return tl::unexpected(overlap.error());
    setup.unavailable = overlap.error().message();
    return setup;
  }
  BridgeSettings settings;
  settings.bridgeName = network.bridgeName;
  settings.subnet = *subnet;
  settings.tableName = network.natTable;
  settings.dnsFallback = network.dnsFallback;
  settings.leaseDir = config.stateDir + "/net/leases";
  auto opened = BridgeNetworking::open(settings);
  if (!opened) {
    if (network.defaultNetwork == "bridge") return tl::unexpected(opened.error());
    setup.unavailable = opened.error().message();
    return setup;
  }
  setup.network = std::move(*opened);
  return setup;
}

}  // namespace agent
