#include "BridgeNetworking.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <set>

#include "Bridge.h"
#include "BridgePort.h"
#include "ContainerEtcFiles.h"
#include "FileAt.h"
#include "HostPortHolder.h"
#include "MessageText.h"
#include "NatSysctls.h"
#include "NatTableApply.h"
#include "PortMapping.h"
#include "UniqueFd.h"
#include "Veth.h"

namespace agent {

namespace {

in_addr toInAddr(net::Ipv4Address address) {
  in_addr a{};
  a.s_addr = htonl(address.value);
  return a;
}

// Whether two bindings would catch the same packets: one protocol and port, and one address or
// either on every address.
bool clash(const container::PortBinding& a, const container::PortBinding& b) {
  return a.protocol == b.protocol && a.hostPort == b.hostPort &&
         (a.hostIp == b.hostIp || a.hostIp == "0.0.0.0" || b.hostIp == "0.0.0.0");
}

}  // namespace

Result<std::unique_ptr<BridgeNetworking>> BridgeNetworking::open(BridgeSettings settings) {
  if (auto name = net::checkNatTableName(settings.tableName); !name) return tl::unexpected(name.error());
  auto leases = net::LeaseStore::open(settings.leaseDir, settings.subnet);
  if (!leases) return tl::unexpected(leases.error());
  auto nftables = net::Nftables::open();
  if (!nftables) return tl::unexpected(nftables.error());
  return std::unique_ptr<BridgeNetworking>(
      new BridgeNetworking(std::move(settings), std::move(*leases), std::move(*nftables)));
}

Result<void> BridgeNetworking::restore(const std::vector<container::ContainerConfig>& containers) {
  std::lock_guard lock(mutex_);
  std::set<std::string> live;
  std::string outside;  // containers of another bridge_subnet
  for (const auto& config : containers) {
    if (config.spec.network != container::NetworkMode::Bridge) continue;
    auto address = net::parseIpv4Address(config.networkAddress);
    if (!address) continue;  // a record cut short before its reservation: its lease goes below
    if (!settings_.subnet.contains(*address))
      outside += (outside.empty() ? "" : ", ") + config.name + " (" + config.networkAddress + ")";
    live.insert(config.spec.id);
    members_[config.spec.id] = Member{config.name, config.cgroupPath, *address, config.ports};
  }
  if (!outside.empty())
    return userError("bridge_subnet is " + settings_.subnet.text() +
                         ", but containers made with an earlier one are on the bridge: " + outside +
                         "; remove them (agentctl rm -f) before changing bridge_subnet, or set it back",
                     EINVAL);
  // Leases of containers that are gone (removed while agentd was down, or before their
  // veth was deleted): the veth goes first, as release() does it.
  if (auto held = leases_.leases())
    for (const auto& lease : *held)
      if (!live.count(lease.containerId) && !lease.containerId.empty())
        (void)net::detachContainer(net::hostVethName(lease.containerId));
  if (auto reconciled = leases_.reconcile(live); !reconciled) return tl::unexpected(reconciled.error());
  // No bridge container: nothing of the host's network is touched (a table of ours left by an
  // earlier agentd is replaced at the next bridge container's start). Else the table is
  // checked to be agentd's before it is written (applyStateLocked).
  if (members_.empty()) return {};
  if (auto ready = ensureBridgeLocked(); !ready) return ready;
  rejoinBridgeLocked();
  return applyState(tableStateLocked());
}

void BridgeNetworking::rejoinBridgeLocked() {
  for (const auto& [id, member] : members_) {
    auto rejoined = net::rejoinBridge(net::hostVethName(id), settings_.bridgeName);
    if (!rejoined)
      spdlog::error("msg=\"cannot put a container's veth back on the bridge\" id={} error=\"{}\"", id.substr(0, 12),
                    rejoined.error().message());
    else if (*rejoined)
      spdlog::warn("msg=\"the bridge had been made again: a container's veth is back on it\" id={} bridge={}",
                   id.substr(0, 12), settings_.bridgeName);
  }
}

Result<std::vector<container::PortBinding>> BridgeNetworking::choosePortsLocked(
    const std::vector<std::string>& publish) const {
  std::vector<container::PortBinding> chosen;
  for (const auto& text : publish) {
    auto request = net::parsePortRequest(text);
    if (!request) return tl::unexpected(request.error());
    container::PortBinding port{net::formatAddress(request->hostAddress), request->hostPort, request->containerPort,
                                net::protocolName(request->protocol)};
    if (port.hostPort == 0) {
      std::set<uint16_t> taken;
      for (const auto& [id, member] : members_)
        for (const auto& p : member.ports)
          if (p.protocol == port.protocol) taken.insert(p.hostPort);
      for (const auto& p : chosen)
        if (p.protocol == port.protocol) taken.insert(p.hostPort);
      auto picked = net::pickFreeHostPort(request->hostAddress, request->protocol, taken);
      if (!picked) return tl::unexpected(picked.error());
      port.hostPort = *picked;
      chosen.push_back(port);
      continue;
    }
    std::string which = std::to_string(port.hostPort) + "/" + port.protocol;
    for (const auto& p : chosen)
      if (clash(p, port))
        return userError("host port " + which + " is given twice (-p " + text + "); publish each host port once",
                         EINVAL);
    for (const auto& [id, member] : members_)
      for (const auto& p : member.ports)
        if (clash(p, port))
          return userError("host port " + which + " is published by container " + quotedForMessage(member.name) + " (" +
                               id.substr(0, 12) + ") as " + container::portBindingText(p) +
                               "; publish another host port, or remove that container",
                           EADDRINUSE);
    // A process of the host's that listens there would never see its connections again.
    if (auto free = net::checkHostPortFree(request->hostAddress, port.hostPort, request->protocol, port.containerPort);
        !free)
      return tl::unexpected(free.error());
    chosen.push_back(port);
  }
  return chosen;
}

Result<container::NetworkReservation> BridgeNetworking::reserve(const container::NetworkedContainer& container,
                                                                const std::vector<std::string>& publish) {
  std::unique_lock lock(mutex_);
  auto ports = choosePortsLocked(publish);
  if (!ports) return tl::unexpected(ports.error());
  auto address = leases_.allocate(container.id);
  if (!address && address.error().errnum == ENOSPC && retiringBusy_ > 0) {
    // The leases of containers just removed are released once their veths are gone.
    workDone_.wait(lock, [this] { return retiringBusy_ == 0 || stopping_; });
    address = leases_.allocate(container.id);
  }
  if (!address) return tl::unexpected(address.error());
  members_[container.id] = Member{container.name, container.cgroupPath, *address, *ports};
  // The table (its ports' rules; the first member's MASQUERADE) is written by the worker
  // meanwhile; attach() waits for it. Unchanged, it is not written again.
  requestTableLocked();
  container::NetworkReservation reservation;
  reservation.address = net::formatIpv4Address(*address);
  reservation.ports = *ports;
  // On systemd-resolved, the servers it forwards to: its 127.0.0.53 answers in the host's
  // namespace only (moby's resolvconf.Path does the same).
  // A missing file reads as empty: no nameserver, so the container gets dns_fallback's.
  std::string hostResolvConf = readWholeFile(settings_.hostResolvConf).value_or("");
  if (net::isSystemdResolvedStub(hostResolvConf)) {
    if (auto upstream = readWholeFile(std::string(net::kSystemdResolvedUpstreamPath)); upstream && !upstream->empty())
      hostResolvConf = *upstream;
  }
  reservation.etcFiles["/etc/resolv.conf"] = net::containerResolvConf(hostResolvConf, settings_.dnsFallback);
  reservation.etcFiles["/etc/hosts"] = net::containerHosts(container.hostname, container.name, reservation.address);
  reservation.etcFiles["/etc/hostname"] = net::containerHostname(container.hostname);
  return reservation;
}

Result<void> BridgeNetworking::attach(const std::string& id, pid_t pid1) {
  net::VethAttachment veth;
  uint64_t tableWanted = 0;
  {
    std::lock_guard lock(mutex_);
    auto member = members_.find(id);
    if (member == members_.end()) return logicError("attach to the bridge (no reservation)", id, ENOENT);
    if (auto ready = ensureBridgeLocked(); !ready) return ready;
    veth.address =
        net::formatIpv4Address(member->second.address) + "/" + std::to_string(settings_.subnet.prefixLength());
    tableWanted = tableRequested_;
  }
  // The links without the lock: the worker writes the table meanwhile (each takes about a
  // millisecond; this is the part of a bridge container's start that agentd adds).
  std::string netnsPath = "/proc/" + std::to_string(pid1) + "/ns/net";
  UniqueFd netns(::open(netnsPath.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns.valid()) return systemError("open the container's network namespace", netnsPath);
  veth.bridge = settings_.bridgeName;
  veth.containerNetnsFd = netns.get();
  veth.hostVeth = net::hostVethName(id);
  veth.gateway = net::formatIpv4Address(settings_.subnet.gateway());
  // A pair left by an agentd killed half-way through an earlier attach of this container.
  if (auto stale = net::detachContainer(veth.hostVeth); !stale) return stale;
  auto attached = net::attachContainer(veth);
  if (!attached && attached.error().errnum == ENODEV) {
    // The bridge went since it was made (`ip link del`): made again, with its sysctl.
    {
      std::lock_guard lock(mutex_);
      bridgeReady_ = false;
      if (auto ready = ensureBridgeLocked(); !ready) return ready;
      rejoinBridgeLocked();  // the running containers' veths were taken off with it
    }
    attached = net::attachContainer(veth);
  }
  if (!attached) return attached;
  if (auto hairpin = net::enableHairpin(veth.hostVeth); !hairpin) {
    (void)net::detachContainer(veth.hostVeth);
    return hairpin;
  }
  // Its published ports are in the table before its command runs.
  std::unique_lock lock(mutex_);
  workDone_.wait(lock, [&] { return tableDone_ >= tableWanted || stopping_; });
  if (!tableStatus_) return tl::unexpected(tableStatus_.error());
  return {};
}

Result<void> BridgeNetworking::release(const std::string& id) {
  std::lock_guard lock(mutex_);
  members_.erase(id);  // its host ports are free for the next reserve() from now on
  requestTableLocked();
  retiring_.push_back(id);
  ++retiringBusy_;
  work_.notify_all();
  return {};
}

void BridgeNetworking::requestTableLocked() {
  ++tableRequested_;
  work_.notify_all();
}

void BridgeNetworking::tableLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    work_.wait(lock, [this] { return stopping_ || tableDone_ < tableRequested_; });
    if (tableDone_ == tableRequested_) return;  // stopping, nothing asked
    // Every request up to now is answered by one table made of what members_ holds now.
    uint64_t answering = tableRequested_;
    auto state = tableStateLocked();
    lock.unlock();
    auto applied = applyState(state);
    lock.lock();
    if (!applied)
      spdlog::error("msg=\"cannot write the agent's nftables table\" table={} error=\"{}\"", settings_.tableName,
                    applied.error().message());
    tableStatus_ = applied;
    tableDone_ = answering;
    workDone_.notify_all();
  }
}

void BridgeNetworking::retireLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    work_.wait(lock, [this] { return stopping_ || !retiring_.empty(); });
    if (retiring_.empty()) return;  // stopping, nothing left
    std::string id = std::move(retiring_.front());
    retiring_.pop_front();
    // Its rules go first: the table written without it.
    uint64_t wanted = tableRequested_;
    workDone_.wait(lock, [&] { return tableDone_ >= wanted || stopping_; });
    lock.unlock();
    // Then the veth: while it exists the address is in use (by a container that joined this
    // one's namespace and outlived it). A failure keeps the lease (the address stays taken)
    // until agentd's next start retries.
    auto detached = net::detachContainer(net::hostVethName(id));
    lock.lock();
    if (!detached) {
      spdlog::error("msg=\"cannot delete a removed container's veth; its address stays leased\" id={} error=\"{}\"",
                    id.substr(0, 12), detached.error().message());
    } else if (auto released = leases_.release(id); !released) {
      spdlog::error("msg=\"cannot release a removed container's address\" id={} error=\"{}\"", id.substr(0, 12),
                    released.error().message());
    }
    --retiringBusy_;
    workDone_.notify_all();
  }
}

BridgeNetworking::~BridgeNetworking() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  workDone_.notify_all();
  tableWriter_.join();
  retirer_.join();
}

Result<bool> BridgeNetworking::restoreTableIfMissing() {
  std::lock_guard lock(mutex_);
  std::lock_guard table(tableMutex_);
  if (!tableApplied_) return false;
  // Gone (`nft flush ruleset`), or changed by hand (`nft flush chain ip agent published`):
  // the listing is the rendering of what was applied (NatTable.h) or it is not ours any more.
  auto present = net::natTablePresent(nftables_, settings_.tableName);
  if (!present) return tl::unexpected(present.error());
  if (*present) {
    auto listing = net::listNatTable(nftables_, settings_.tableName);
    if (!listing) return tl::unexpected(listing.error());
    if (*listing == appliedText_) return false;
  }
  tableApplied_ = false;  // applied again whatever it holds
  if (auto applied = applyStateLocked(tableStateLocked()); !applied) return tl::unexpected(applied.error());
  ++rulesRestored_;
  return true;
}

std::vector<PublishedPortEntry> BridgeNetworking::published() const {
  std::lock_guard lock(mutex_);
  std::vector<PublishedPortEntry> entries;
  for (const auto& [id, member] : members_)
    for (const auto& port : member.ports) entries.push_back({member.cgroupPath, member.name, port});
  return entries;
}

Result<void> BridgeNetworking::ensureBridgeLocked() {
  if (bridgeReady_) return {};  // attach() finds out if it went since (ENODEV)
  auto made = net::ensureBridge(settings_.bridgeName, net::formatIpv4Address(settings_.subnet.gateway()) + "/" +
                                                          std::to_string(settings_.subnet.prefixLength()));
  if (!made) return tl::unexpected(made.error());
  if (auto forwarding = net::enableIpv4Forwarding(); !forwarding) return forwarding;
  if (auto localnet = net::enableRouteLocalnet(settings_.bridgeName); !localnet) return localnet;
  bridgeReady_ = true;
  return {};
}

std::optional<net::NatTableState> BridgeNetworking::tableStateLocked() const {
  if (members_.empty()) return std::nullopt;
  net::NatTableState state;
  state.tableName = settings_.tableName;
  state.bridgeName = settings_.bridgeName;
  state.subnet = toInAddr(settings_.subnet.network());
  state.prefixLength = static_cast<unsigned>(settings_.subnet.prefixLength());
  for (const auto& [id, member] : members_) {
    for (const auto& port : member.ports) {
      net::PublishedPort published;
      if (auto host = net::parseIpv4Address(port.hostIp)) published.hostAddress = toInAddr(*host);
      published.hostPort = port.hostPort;
      published.protocol = port.protocol == "udp" ? net::PortProtocol::udp : net::PortProtocol::tcp;
      published.containerAddress = toInAddr(member.address);
      published.containerPort = port.containerPort;
      state.ports.push_back(published);
    }
  }
  return state;
}

Result<void> BridgeNetworking::applyState(const std::optional<net::NatTableState>& state) {
  std::lock_guard table(tableMutex_);
  return applyStateLocked(state);
}

Result<void> BridgeNetworking::checkTableIsOursLocked() {
  auto present = net::natTablePresent(nftables_, settings_.tableName);
  if (!present) return tl::unexpected(present.error());
  if (!*present) return {};
  auto listing = net::listNatTable(nftables_, settings_.tableName);
  if (!listing) return tl::unexpected(listing.error());
  if (listing->find(std::string("comment \"") + net::kNatTableComment + "\"") != std::string::npos) return {};
  return userError("the nftables table `ip " + settings_.tableName +
                       "` exists and is not agentd's (it lacks agentd's comment): agentd never rewrites or deletes "
                       "another's table; set nat_table to a name no one uses",
                   EEXIST);
}

Result<void> BridgeNetworking::applyStateLocked(const std::optional<net::NatTableState>& state) {
  // Not applied by this agentd yet (or found changed): whatever holds the name must be ours.
  if (!tableApplied_) {
    if (auto ours = checkTableIsOursLocked(); !ours) return ours;
  }
  if (!state) {
    if (!tableApplied_ && appliedPorts_ == kNoTable) return {};
    tableApplied_ = false;
    appliedPorts_ = kNoTable;
    appliedText_.clear();
    return net::removeNatTable(nftables_, settings_.tableName);
  }
  // The table holds the ports only (and the subnet): a container without any changes nothing.
  std::string ports;
  for (const auto& port : state->ports)
    ports += net::formatAddress(port.hostAddress) + ":" + std::to_string(port.hostPort) + "/" +
             net::protocolName(port.protocol) + ">" + net::formatAddress(port.containerAddress) + ":" +
             std::to_string(port.containerPort) + " ";
  if (tableApplied_ && ports == appliedPorts_) return {};
  if (auto applied = net::applyNatTable(nftables_, *state); !applied) return applied;
  tableApplied_ = true;
  appliedPorts_ = std::move(ports);
  appliedText_ = net::renderNatTable(*state).value_or("");
  return {};
}

}  // namespace agent
