#pragma once
// Puts the agent's nftables table back when someone removed it (`nft flush ruleset`, a firewall
// reload): a thread that looks every `interval` (one netlink dump of the table when it is
// there) and applies it again from BridgeNetworking's state, counted in
// agent_network_rules_restored_total and logged.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "BridgeNetworking.h"

namespace agent {

class BridgeTableWatch {
 public:
  BridgeTableWatch(BridgeNetworking& network, std::chrono::milliseconds interval);
  ~BridgeTableWatch();  // stops the thread, within one look
  BridgeTableWatch(const BridgeTableWatch&) = delete;
  BridgeTableWatch& operator=(const BridgeTableWatch&) = delete;

 private:
  void run();
  BridgeNetworking& network_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace agent
