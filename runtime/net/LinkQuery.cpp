#include "LinkQuery.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <memory>

namespace agent::net {

namespace {

struct LinkFree {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
struct CacheFree {
  void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};

struct AddressWalk {
  int index;
  std::vector<std::string>* out;
};

void collectIpv4(nl_object* object, void* arg) {
  auto* walk = static_cast<AddressWalk*>(arg);
  auto* addr = reinterpret_cast<rtnl_addr*>(object);
  if (rtnl_addr_get_ifindex(addr) != walk->index || rtnl_addr_get_family(addr) != AF_INET) return;
  nl_addr* local = rtnl_addr_get_local(addr);
  if (!local || nl_addr_get_len(local) != sizeof(in_addr)) return;
  char text[INET_ADDRSTRLEN] = {};
  if (!inet_ntop(AF_INET, nl_addr_get_binary_addr(local), text, sizeof text)) return;
  walk->out->push_back(std::string(text) + "/" + std::to_string(rtnl_addr_get_prefixlen(addr)));
}

}  // namespace

Result<std::vector<std::string>> readIpv4Addresses(const NetlinkSocket& sock, int index) {
  nl_cache* raw = nullptr;
  if (int err = rtnl_addr_alloc_cache(sock.get(), &raw); err < 0)
    return sock.failure("list the addresses of link", std::to_string(index), err);
  std::unique_ptr<nl_cache, CacheFree> cache(raw);
  std::vector<std::string> addresses;
  AddressWalk walk{index, &addresses};
  nl_cache_foreach(cache.get(), collectIpv4, &walk);
  return addresses;
}

Result<std::optional<LinkState>> readLink(const NetlinkSocket& sock, std::string_view name) {
  if (name.empty() || name.size() >= IFNAMSIZ)
    return userError("the link name `" + std::string(name) +
                     "` is not 1 to 15 bytes long (IFNAMSIZ): choose a shorter one");
  rtnl_link* raw = nullptr;
  std::string nameText(name);
  if (int err = rtnl_link_get_kernel(sock.get(), 0, nameText.c_str(), &raw); err < 0) {
    if (isNoSuchLink(err)) return std::nullopt;
    return sock.failure("read the link", nameText, err);
  }
  std::unique_ptr<rtnl_link, LinkFree> link(raw);
  LinkState state;
  state.index = rtnl_link_get_ifindex(link.get());
  if (const char* kind = rtnl_link_get_type(link.get())) state.kind = kind;
  state.up = (rtnl_link_get_flags(link.get()) & IFF_UP) != 0;
  state.masterIndex = rtnl_link_get_master(link.get());
  state.mtu = rtnl_link_get_mtu(link.get());
  if (nl_addr* mac = rtnl_link_get_addr(link.get())) {
    char text[32] = {};
    state.mac = nl_addr2str(mac, text, sizeof text);
  }
  auto addresses = readIpv4Addresses(sock, state.index);
  if (!addresses) return tl::unexpected(addresses.error());
  state.ipv4Addresses = std::move(*addresses);
  return state;
}

Result<std::optional<LinkState>> readLink(std::string_view name) {
  auto sock = NetlinkSocket::open();
  if (!sock) return tl::unexpected(sock.error());
  return readLink(*sock, name);
}

}  // namespace agent::net
