#include "BridgeNetworking.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "Bridge.h"
#include "BridgePort.h"
#include "ContainerEtcFiles.h"
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

std::string readWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
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
  for (const auto& config : containers) {
    if (config.spec.network != container::NetworkMode::Bridge) continue;
    auto address = net::parseIpv4Address(config.networkAddress);
    if (!address) continue;  // a record cut short before its reservation: its lease goes below
    live.insert(config.spec.id);
    members_[config.spec.id] = Member{config.name, *address, config.ports};
  }
  if (auto reconciled = leases_.reconcile(live); !reconciled) return tl::unexpected(reconciled.error());
  if (members_.empty()) return {};
  if (auto ready = ensureBridgeLocked(); !ready) return ready;
  return applyTableLocked();
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
  std::lock_guard lock(mutex_);
  auto ports = choosePortsLocked(publish);
  if (!ports) return tl::unexpected(ports.error());
  auto address = leases_.allocate(container.id);
  if (!address) return tl::unexpected(address.error());
  members_[container.id] = Member{container.name, *address, *ports};
  container::NetworkReservation reservation;
  reservation.address = net::formatIpv4Address(*address);
  reservation.ports = *ports;
  // On systemd-resolved, the servers it forwards to: its 127.0.0.53 answers in the host's
  // namespace only (moby's resolvconf.Path does the same).
  std::string hostResolvConf = readWholeFile(settings_.hostResolvConf);
  if (net::isSystemdResolvedStub(hostResolvConf)) {
    if (std::string upstream = readWholeFile(std::string(net::kSystemdResolvedUpstreamPath)); !upstream.empty())
      hostResolvConf = upstream;
  }
  reservation.etcFiles["/etc/resolv.conf"] = net::containerResolvConf(hostResolvConf, settings_.dnsFallback);
  reservation.etcFiles["/etc/hosts"] = net::containerHosts(container.hostname, container.name, reservation.address);
  reservation.etcFiles["/etc/hostname"] = net::containerHostname(container.hostname);
  return reservation;
}

Result<void> BridgeNetworking::attach(const std::string& id, pid_t pid1) {
  std::lock_guard lock(mutex_);
  auto member = members_.find(id);
  if (member == members_.end()) return logicError("attach to the bridge (no reservation)", id, ENOENT);
  if (auto ready = ensureBridgeLocked(); !ready) return ready;
  std::string netnsPath = "/proc/" + std::to_string(pid1) + "/ns/net";
  UniqueFd netns(::open(netnsPath.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns.valid()) return systemError("open the container's network namespace", netnsPath);
  net::VethAttachment veth;
  veth.bridge = settings_.bridgeName;
  veth.containerNetnsFd = netns.get();
  veth.hostVeth = net::hostVethName(id);
  veth.address = net::formatIpv4Address(member->second.address) + "/" + std::to_string(settings_.subnet.prefixLength());
  veth.gateway = net::formatIpv4Address(settings_.subnet.gateway());
  // A pair left by an agentd killed half-way through an earlier attach of this container.
  if (auto stale = net::detachContainer(veth.hostVeth); !stale) return stale;
  if (auto attached = net::attachContainer(veth); !attached) return attached;
  if (auto hairpin = net::enableHairpin(veth.hostVeth); !hairpin) {
    (void)net::detachContainer(veth.hostVeth);
    return hairpin;
  }
  return applyTableLocked();
}

Result<void> BridgeNetworking::release(const std::string& id) {
  std::lock_guard lock(mutex_);
  // The veth first: while it exists the address is in use (by a container that joined this
  // one's namespace and outlived it).
  if (auto detached = net::detachContainer(net::hostVethName(id)); !detached) return detached;
  bool hadPorts = members_.count(id) && !members_[id].ports.empty();
  members_.erase(id);
  if (auto released = leases_.release(id); !released) return tl::unexpected(released.error());
  if (hadPorts || members_.empty()) return applyTableLocked();
  return {};
}

Result<bool> BridgeNetworking::restoreTableIfMissing() {
  std::lock_guard lock(mutex_);
  if (!tableApplied_) return false;
  auto present = net::natTablePresent(nftables_, settings_.tableName);
  if (!present) return tl::unexpected(present.error());
  if (*present) return false;
  if (auto applied = applyTableLocked(); !applied) return tl::unexpected(applied.error());
  ++rulesRestored_;
  return true;
}

std::vector<PublishedPortEntry> BridgeNetworking::published() const {
  std::lock_guard lock(mutex_);
  std::vector<PublishedPortEntry> entries;
  for (const auto& [id, member] : members_)
    for (const auto& port : member.ports) entries.push_back({id, member.name, port});
  return entries;
}

Result<void> BridgeNetworking::ensureBridgeLocked() {
  if (bridgeReady_) {
    // Cheap enough to ask each time: someone may have deleted it (ip link del agent0).
    auto kept = net::ensureBridge(settings_.bridgeName, net::formatIpv4Address(settings_.subnet.gateway()) + "/" +
                                                            std::to_string(settings_.subnet.prefixLength()));
    return kept ? Result<void>{} : tl::unexpected(kept.error());
  }
  auto made = net::ensureBridge(settings_.bridgeName, net::formatIpv4Address(settings_.subnet.gateway()) + "/" +
                                                          std::to_string(settings_.subnet.prefixLength()));
  if (!made) return tl::unexpected(made.error());
  if (auto forwarding = net::enableIpv4Forwarding(); !forwarding) return forwarding;
  if (auto localnet = net::enableRouteLocalnet(settings_.bridgeName); !localnet) return localnet;
  bridgeReady_ = true;
  return {};
}

Result<void> BridgeNetworking::applyTableLocked() {
  if (members_.empty()) {
    tableApplied_ = false;
    return net::removeNatTable(nftables_, settings_.tableName);
  }
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
  if (auto applied = net::applyNatTable(nftables_, state); !applied) return applied;
  tableApplied_ = true;
  return {};
}

}  // namespace agent
