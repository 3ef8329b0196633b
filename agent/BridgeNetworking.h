#pragma once
// agentd's bridge networking (docs/networking.md): ContainerNetwork made of runtime/net's parts.
// One bridge (`bridge_name`, the first address of `bridge_subnet`), made at first use and kept;
// one veth pair per container; addresses leased under <state-dir>/net/leases (LeaseStore.h);
// one nftables table (`nat_table`) holding MASQUERADE of the subnet and a DNAT per published
// port, always rewritten whole from what it knows (NatTableApply.h), and put back when someone
// removes it (a firewall reload), counted.
//
// What it knows, the bridge containers and their ports, comes from the containers' records
// (restore(), at agentd's start) and from reserve()/release() since: the records are the truth,
// so an agentd killed at any point rebuilds the same table and keeps the same leases.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ContainerEtcFiles.h"
#include "ContainerNetwork.h"
#include "ContainerRecord.h"
#include "Ipv4Address.h"
#include "Ipv4Subnet.h"
#include "LeaseStore.h"
#include "Nftables.h"

namespace agent {

struct BridgeSettings {
  std::string bridgeName = "agent0";
  net::Ipv4Subnet subnet = *net::Ipv4Subnet::parse("172.30.0.0/16");
  std::string tableName = "agent";
  std::vector<std::string> dnsFallback;  // nameservers for a host whose resolv.conf has loopback ones only
  std::string leaseDir;                  // <state-dir>/net/leases
  std::string hostResolvConf = std::string(net::kHostResolvConfPath);
};

// One published port, for agent_container_port.
struct PublishedPortEntry {
  std::string id, name;
  container::PortBinding port;
};

class BridgeNetworking : public container::ContainerNetwork {
 public:
  static Result<std::unique_ptr<BridgeNetworking>> open(BridgeSettings settings);

  // At agentd's start, given every container's record: the bridge containers' addresses and
  // ports taken back, other leases released (a crash between lease and record), and, when there
  // is any bridge container, the bridge and the table made as they were.
  Result<void> restore(const std::vector<container::ContainerConfig>& containers);

  Result<container::NetworkReservation> reserve(const container::NetworkedContainer& container,
                                                const std::vector<std::string>& publish) override;
  Result<void> attach(const std::string& id, pid_t pid1) override;
  Result<void> release(const std::string& id) override;

  // The collection loop's check: the table applied again if it is missing. True if it was.
  Result<bool> restoreTableIfMissing();
  uint64_t rulesRestored() const { return rulesRestored_.load(); }
  std::vector<PublishedPortEntry> published() const;
  const BridgeSettings& settings() const { return settings_; }

 private:
  struct Member {
    std::string name;
    net::Ipv4Address address;
    std::vector<container::PortBinding> ports;
  };
  BridgeNetworking(BridgeSettings settings, net::LeaseStore leases, net::Nftables nftables)
      : settings_(std::move(settings)), leases_(std::move(leases)), nftables_(std::move(nftables)) {}

  // Under mutex_: the bridge (and the sysctls it needs) made if missing.
  Result<void> ensureBridgeLocked();
  // Under mutex_: the table from members_ (removed when there are none).
  Result<void> applyTableLocked();
  // Under mutex_: the host ports of `publish`, each free (no member and no socket holds it).
  Result<std::vector<container::PortBinding>> choosePortsLocked(const std::vector<std::string>& publish) const;

  BridgeSettings settings_;
  mutable std::mutex mutex_;
  net::LeaseStore leases_;
  net::Nftables nftables_;  // used under mutex_ only (one socket, no locking of its own)
  std::map<std::string, Member> members_;
  bool bridgeReady_ = false;
  bool tableApplied_ = false;
  std::atomic<uint64_t> rulesRestored_{0};
};

}  // namespace agent
