#pragma once
// agentd's start with bridge networking (docs/networking.md): BridgeNetworking made from the
// config, or the reason there is none. A bridge_subnet overlapping one of the host's routes
// would make the host send that network's traffic to the containers (or theirs away): agentd
// refuses to start when the config file asked for it (bridge_subnet given, or default_network
// bridge), and otherwise runs without bridge networking, saying why at each `--net bridge`.
#include <chrono>
#include <memory>
#include <string>

#include "AgentConfig.h"
#include "BridgeNetworking.h"
#include "BridgeTableWatch.h"
#include "ContainerRuntime.h"

namespace agent {

struct BridgeSetup {
  std::unique_ptr<BridgeNetworking> network;  // none: unavailable says why
  std::string unavailable;
};

// Also sets the runtime's network, the reason it has none, and its default_network.
// Errors: what stops agentd (exit 2), one sentence.
Result<BridgeSetup> setUpBridgeNetworking(const AgentConfig& config, container::RuntimeConfig& runtime);

// Once the containers' records are read back: leases, bridge and table as they say, and the
// watch that puts the table back; none without bridge networking. Errors stop agentd (exit 2;
// its containers keep running): BridgeNetworking::restore's.
Result<std::unique_ptr<BridgeTableWatch>> restoreBridgeNetworking(BridgeSetup& setup,
                                                                  container::ContainerRuntime& runtime,
                                                                  std::chrono::milliseconds interval);

}  // namespace agent
