#include "BridgeTableWatch.h"

#include <spdlog/spdlog.h>

namespace agent {

BridgeTableWatch::BridgeTableWatch(BridgeNetworking& network, std::chrono::milliseconds interval)
    : network_(network), interval_(interval), thread_([this] { run(); }) {}

BridgeTableWatch::~BridgeTableWatch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void BridgeTableWatch::run() {
  bool failing = false;  // a failure is logged once, until it heals
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    auto restored = network_.restoreTableIfMissing();
    if (!restored && !failing) {
      spdlog::error("msg=\"cannot check the agent's nftables table\" table={} error=\"{}\"",
                    network_.settings().tableName, restored.error().message());
    } else if (restored && *restored) {
      spdlog::warn("msg=\"the agent's nftables table was gone (a firewall reload?); put back\" table={}",
                   network_.settings().tableName);
    }
    failing = !restored;
    lock.lock();
  }
}

}  // namespace agent
