#include "Veth.h"

#include <net/if.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include <memory>

#include "InterfaceConfig.h"
#include "LinkQuery.h"
#include "NetlinkSocket.h"
#include "NetworkNamespace.h"

namespace agent::net {

namespace {

constexpr const char* kContainerSide = "eth0";

struct LinkFree {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};

struct Addressing {
  Ipv4Cidr address;
  in_addr gateway;
};

Result<int> bridgeIndex(const NetlinkSocket& sock, const std::string& bridge) {
  auto link = readLink(sock, bridge);
  if (!link) return tl::unexpected(link.error());
  if (!*link) return logicError("find the bridge", bridge, ENODEV);
  if ((*link)->kind != "bridge")
    return userError("the link `" + bridge + "` is not a bridge: containers attach to a bridge only");
  return (*link)->index;
}

Result<void> createPair(const NetlinkSocket& sock, const VethAttachment& attachment, int master) {
  // rtnl_link_veth_alloc makes the pair: the peer is freed with the host side.
  std::unique_ptr<rtnl_link, LinkFree> host(rtnl_link_veth_alloc());
  if (!host) return systemError("allocate a veth pair", attachment.hostVeth, ENOMEM);
  rtnl_link* peer = rtnl_link_veth_get_peer(host.get());
  rtnl_link_set_name(host.get(), attachment.hostVeth.c_str());
  rtnl_link_set_master(host.get(), master);
  rtnl_link_set_flags(host.get(), IFF_UP);
  rtnl_link_set_name(peer, kContainerSide);
  rtnl_link_set_ns_fd(peer, attachment.containerNetnsFd);
  if (attachment.mtu) {
    rtnl_link_set_mtu(host.get(), *attachment.mtu);
    rtnl_link_set_mtu(peer, *attachment.mtu);
  }
  rtnl_link_put(peer);  // rtnl_link_veth_get_peer took a reference
  if (int err = rtnl_link_add(sock.get(), host.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0)
    return sock.failure("create the veth pair", attachment.hostVeth, err);
  return {};
}

// Runs inside the container's namespace, on its own socket there.
Result<void> configureContainerSide(const Addressing& addressing) {
  auto sock = NetlinkSocket::open();
  if (!sock) return tl::unexpected(sock.error());
  auto eth0 = readLink(*sock, kContainerSide);
  if (!eth0) return tl::unexpected(eth0.error());
  if (!*eth0) return logicError("find the container's side of the veth pair", kContainerSide, ENODEV);
  if (auto added = addIpv4Address(*sock, (*eth0)->index, addressing.address); !added) return added;
  auto lo = readLink(*sock, "lo");
  if (!lo) return tl::unexpected(lo.error());
  if (!*lo) return logicError("find the loopback link", "lo", ENODEV);
  if (auto up = setLinkUp(*sock, (*lo)->index, "lo"); !up) return up;
  if (auto up = setLinkUp(*sock, (*eth0)->index, kContainerSide); !up) return up;
  return addDefaultRoute(*sock, (*eth0)->index, addressing.gateway);
}

}  // namespace

std::string hostVethName(std::string_view containerId) {
  return "veth" + std::string(containerId.substr(0, 8));
}

Result<void> attachContainer(const VethAttachment& attachment) {
  auto address = parseIpv4Cidr(attachment.address, "the container's address");
  if (!address) return tl::unexpected(address.error());
  auto gateway = parseIpv4(attachment.gateway, "the gateway address");
  if (!gateway) return tl::unexpected(gateway.error());
  if (attachment.hostVeth.empty() || attachment.hostVeth.size() > 15)
    return userError("the veth name `" + attachment.hostVeth + "` is not 1 to 15 bytes long (IFNAMSIZ)");
  auto sock = NetlinkSocket::open();
  if (!sock) return tl::unexpected(sock.error());
  auto master = bridgeIndex(*sock, attachment.bridge);
  if (!master) return tl::unexpected(master.error());
  if (auto made = createPair(*sock, attachment, *master); !made) return made;
  Addressing addressing{*address, *gateway};
  auto configured =
      runInNetworkNamespace(attachment.containerNetnsFd, [&] { return configureContainerSide(addressing); });
  if (!configured) {
    (void)detachContainer(attachment.hostVeth);  // the first error is the one to tell
    return configured;
  }
  return {};
}

Result<void> detachContainer(std::string_view hostVeth) {
  auto sock = NetlinkSocket::open();
  if (!sock) return tl::unexpected(sock.error());
  auto link = readLink(*sock, hostVeth);
  if (!link) return tl::unexpected(link.error());
  if (!*link) return {};
  std::string name(hostVeth);
  if ((*link)->kind != "veth")
    return userError("the link `" + name + "` is not a veth pair: it is not a container's and is left alone", EBUSY);
  std::unique_ptr<rtnl_link, LinkFree> target(rtnl_link_alloc());
  if (!target) return systemError("allocate a link", name, ENOMEM);
  rtnl_link_set_ifindex(target.get(), (*link)->index);
  if (int err = rtnl_link_delete(sock->get(), target.get()); err < 0 && !isNoSuchLink(err))
    return sock->failure("delete the veth", name, err);
  return {};
}

}  // namespace agent::net
