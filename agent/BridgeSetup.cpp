#include "BridgeSetup.h"

#include <spdlog/spdlog.h>

#include "FileAt.h"
#include "HostRoutes.h"

namespace agent {

namespace {

Result<BridgeSetup> bridgeFor(const AgentConfig& config) {
  const NetworkConfig& network = config.network;
  bool asked = network.bridgeSubnetGiven || network.defaultNetwork == "bridge";
  auto subnet = net::Ipv4Subnet::parse(network.bridgeSubnet);
  if (!subnet) return tl::unexpected(subnet.error());
  // The routes of agentd's own network namespace (/proc/net/route is the reader's).
  auto routes = readWholeFile("/proc/net/route");
  if (!routes) return tl::unexpected(routes.error());
  auto overlap = net::refuseSubnetOverlappingRoutes(*subnet, net::parseProcNetRoute(*routes), network.bridgeName);
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

}  // namespace

Result<BridgeSetup> setUpBridgeNetworking(const AgentConfig& config, container::RuntimeConfig& runtime) {
  auto setup = bridgeFor(config);
  if (!setup) return setup;
  if (!setup->unavailable.empty()) spdlog::warn("msg=\"bridge networking is off\" why=\"{}\"", setup->unavailable);
  runtime.network = setup->network.get();
  runtime.networkUnavailable = setup->unavailable;
  for (auto mode : {container::NetworkMode::None, container::NetworkMode::Host, container::NetworkMode::Bridge})
    if (config.network.defaultNetwork == container::networkModeName(mode)) runtime.defaultNetwork = mode;
  return setup;
}

Result<std::unique_ptr<BridgeTableWatch>> restoreBridgeNetworking(BridgeSetup& setup,
                                                                  container::ContainerRuntime& runtime,
                                                                  std::chrono::milliseconds interval) {
  if (!setup.network) return std::unique_ptr<BridgeTableWatch>();
  std::vector<container::ContainerConfig> records;
  if (auto list = runtime.list())
    for (const auto& c : *list) records.push_back(c.config);
  if (auto restored = setup.network->restore(records); !restored) return tl::unexpected(restored.error());
  return std::make_unique<BridgeTableWatch>(*setup.network, interval);
}

}  // namespace agent
