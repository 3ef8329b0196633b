#include "Bridge.h"

#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/route/link.h>
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <memory>

#include "InterfaceConfig.h"
#include "LinkQuery.h"

namespace agent::net {

namespace {

struct LinkFree {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};

struct NlAddrFree {
  void operator()(nl_addr* addr) const { nl_addr_put(addr); }
};

// A bridge whose MAC no one set takes the lowest of its ports' (br_stp_recalculate_bridge_id),
// so the gateway's MAC would change under the containers' ARP caches at every attach and
// detach; one given at creation is kept (NET_ADDR_SET), as moby's bridge driver does. Random,
// locally administered (0x02), unicast.
Result<std::unique_ptr<nl_addr, NlAddrFree>> randomMac() {
  std::array<unsigned char, 6> mac{};
  if (::getrandom(mac.data(), mac.size(), 0) != static_cast<ssize_t>(mac.size()))
    return systemError("read random bytes for the bridge's MAC", "getrandom");
  mac[0] = static_cast<unsigned char>((mac[0] & 0xfe) | 0x02);
  std::unique_ptr<nl_addr, NlAddrFree> addr(nl_addr_build(AF_LLC, mac.data(), mac.size()));
  if (!addr) return systemError("allocate a MAC address", "", ENOMEM);
  return addr;
}

// EEXIST is success: another agentd (or a restart racing itself) made it first.
Result<void> createBridge(const NetlinkSocket& sock, const std::string& name) {
  std::unique_ptr<rtnl_link, LinkFree> link(rtnl_link_alloc());
  if (!link) return systemError("allocate a link", name, ENOMEM);
  auto mac = randomMac();
  if (!mac) return tl::unexpected(mac.error());
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link_set_addr(link.get(), mac->get());
  if (int err = rtnl_link_set_type(link.get(), "bridge"); err < 0) return netlinkError("make a bridge", name, err);
  int err = rtnl_link_add(sock.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0 && -err != NLE_EXIST) return sock.failure("create the bridge", name, err);
  return {};
}

}  // namespace

Result<int> ensureBridge(std::string_view name, std::string_view gatewayCidr) {
  auto gateway = parseIpv4Cidr(gatewayCidr, "the bridge's gateway address");
  if (!gateway) return tl::unexpected(gateway.error());
  auto sock = NetlinkSocket::open();
  if (!sock) return tl::unexpected(sock.error());
  std::string nameText(name);
  auto existing = readLink(*sock, name);
  if (!existing) return tl::unexpected(existing.error());
  if (!*existing) {
    if (auto made = createBridge(*sock, nameText); !made) return tl::unexpected(made.error());
    existing = readLink(*sock, name);
    if (!existing) return tl::unexpected(existing.error());
    if (!*existing) return logicError("find the bridge just created", nameText, ENODEV);
  }
  const LinkState& link = **existing;
  if (link.kind != "bridge")
    return userError("a link named `" + nameText + "` exists and is " +
                         (link.kind.empty() ? std::string("a network device") : "a " + link.kind) +
                         ", not a bridge: name another bridge in the config, or remove that link",
                     EEXIST);
  // Kept as it is when it has the address: no write at all, so a restart changes nothing.
  if (std::find(link.ipv4Addresses.begin(), link.ipv4Addresses.end(), gateway->text()) == link.ipv4Addresses.end())
    if (auto added = addIpv4Address(*sock, link.index, *gateway); !added) return tl::unexpected(added.error());
  if (!link.up)
    if (auto up = setLinkUp(*sock, link.index, nameText); !up) return tl::unexpected(up.error());
  return link.index;
}

}  // namespace agent::net
