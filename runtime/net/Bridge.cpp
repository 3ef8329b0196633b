#include "Bridge.h"

#include <netlink/errno.h>
#include <netlink/route/link.h>

#include <algorithm>
#include <memory>

#include "InterfaceConfig.h"
#include "LinkQuery.h"

namespace agent::net {

namespace {

struct LinkFree {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};

// EEXIST is success: another agentd (or a restart racing itself) made it first.
Result<void> createBridge(const NetlinkSocket& sock, const std::string& name) {
  std::unique_ptr<rtnl_link, LinkFree> link(rtnl_link_alloc());
  if (!link) return systemError("allocate a link", name, ENOMEM);
  rtnl_link_set_name(link.get(), name.c_str());
  if (int err = rtnl_link_set_type(link.get(), "bridge"); err < 0) return netlinkError("make a bridge", name, err);
  int err = rtnl_link_add(sock.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0 && -err != NLE_EXIST) return netlinkError("create the bridge", name, err);
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
