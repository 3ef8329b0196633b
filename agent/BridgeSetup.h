#pragma once
// agentd's start with bridge networking (docs/networking.md): BridgeNetworking made from the
// config, or the reason there is none. A bridge_subnet overlapping one of the host's routes
// would make the host send that network's traffic to the containers (or theirs away): agentd
// refuses to start when the config file asked for it (bridge_subnet given, or default_network
// bridge), and otherwise runs without bridge networking, saying why at each `--net bridge`.
#include <memory>
#include <string>

#include "AgentConfig.h"
#include "BridgeNetworking.h"

namespace agent {

struct BridgeSetup {
  std::unique_ptr<BridgeNetworking> network;  // none: unavailable says why
  std::string unavailable;
};

// Errors: what stops agentd (exit 2), one sentence.
Result<BridgeSetup> setUpBridgeNetworking(const AgentConfig& config);

}  // namespace agent
