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
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ContainerEtcFiles.h"
#include "ContainerNetwork.h"
#include "ContainerRecord.h"
#include "Ipv4Address.h"
#include "Ipv4Subnet.h"
#include "LeaseStore.h"
#include "NatTable.h"
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

// One published port, for agent_container_port (`id`: the container's cgroup path, as the
// container_* series and agent_container_state label it).
struct PublishedPortEntry {
  std::string id, name;
  container::PortBinding port;
};

class BridgeNetworking : public container::ContainerNetwork {
 public:
  static Result<std::unique_ptr<BridgeNetworking>> open(BridgeSettings settings);
  ~BridgeNetworking() override;  // finishes the veths being deleted

  // At agentd's start, given every container's record: the bridge containers' addresses and
  // ports taken back, other leases released (a crash between lease and record), and, when there
  // is any bridge container, the bridge (their veths back on it) and the table made as they
  // were. Errors (agentd does not start): a table of that name that is not agentd's; bridge
  // containers outside bridge_subnet (it was changed with containers on the bridge).
  Result<void> restore(const std::vector<container::ContainerConfig>& containers);

  Result<container::NetworkReservation> reserve(const container::NetworkedContainer& container,
                                                const std::vector<std::string>& publish) override;
  Result<void> attach(const std::string& id, pid_t pid1) override;
  // The container's host ports are free at once; its rules, its veth and then its lease go
  // on a thread of their own, within milliseconds: deleting a link waits for an RCU grace
  // period (synchronize_net: 15-20 ms here) and the table's transaction for its own, which
  // `rm` need not wait for. The lease is held until the veth is gone, so its address is never
  // on two containers.
  Result<void> release(const std::string& id) override;

  // The watch's check: the table applied again if it is missing or not as agentd wrote it (a
  // firewall reload, a hand's `nft flush chain`). True if it was.
  Result<bool> restoreTableIfMissing();
  uint64_t rulesRestored() const { return rulesRestored_.load(); }
  std::vector<PublishedPortEntry> published() const;
  const BridgeSettings& settings() const { return settings_; }

 private:
  struct Member {
    std::string name;
    std::string cgroupPath;
    net::Ipv4Address address;
    std::vector<container::PortBinding> ports;
  };
  BridgeNetworking(BridgeSettings settings, net::LeaseStore leases, net::Nftables nftables)
      : settings_(std::move(settings)),
        leases_(std::move(leases)),
        nftables_(std::move(nftables)),
        tableWriter_([this] { tableLoop(); }),
        retirer_([this] { retireLoop(); }) {}

  // Under mutex_: the bridge (and the sysctls it needs) made if missing.
  Result<void> ensureBridgeLocked();
  // The table as members_ says (under mutex_); none when there are no members.
  std::optional<net::NatTableState> tableStateLocked() const;
  // Puts it in place (removes it for none), unless it is the one in place already; under
  // tableMutex_ (applyState takes it).
  Result<void> applyState(const std::optional<net::NatTableState>& state);
  Result<void> applyStateLocked(const std::optional<net::NatTableState>& state);
  // Under mutex_: the worker is to write the table again (from members_ as it is then).
  void requestTableLocked();
  // Under tableMutex_: a table of that name is absent or agentd's (its comment), else EEXIST.
  Result<void> checkTableIsOursLocked();
  // Under mutex_: every member's veth back on the bridge, if the bridge was made again.
  void rejoinBridgeLocked();
  // Under mutex_: the host ports of `publish`, each free (no member and no socket holds it).
  Result<std::vector<container::PortBinding>> choosePortsLocked(const std::vector<std::string>& publish) const;

  // Two threads: one writes the table when asked (requestTableLocked); the other deletes
  // released containers' veths (after their rules) and then their leases. Apart, so that a
  // start never waits behind a veth's deletion.
  void tableLoop();
  void retireLoop();

  BridgeSettings settings_;
  mutable std::mutex mutex_;                     // before tableMutex_ when both are taken
  std::condition_variable work_;                 // for the two threads
  std::condition_variable workDone_;             // a table written
  std::deque<std::string> retiring_;             // ids whose veth and lease go, under mutex_
  uint64_t tableRequested_ = 0, tableDone_ = 0;  // under mutex_
  size_t retiringBusy_ = 0;                      // queued or being retired, under mutex_
  Result<void> tableStatus_;                     // the last write's, under mutex_
  bool stopping_ = false;
  net::LeaseStore leases_;
  std::map<std::string, Member> members_;  // under mutex_
  bool bridgeReady_ = false;               // under mutex_
  std::mutex tableMutex_;
  net::Nftables nftables_;  // under tableMutex_ (one socket, no locking of its own)
  bool tableApplied_ = false;
  static constexpr const char* kNoTable = "-";
  std::string appliedPorts_;  // the ports of the table in place, as text; kNoTable: removed
  std::string appliedText_;   // its rendering, which `nft list table` prints back
  std::atomic<uint64_t> rulesRestored_{0};
  std::thread tableWriter_;  // last: they start once every member above is made
  std::thread retirer_;
};

}  // namespace agent
