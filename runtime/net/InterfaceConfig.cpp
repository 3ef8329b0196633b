#include "InterfaceConfig.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include <charconv>
#include <memory>

namespace agent::net {

namespace {

struct LinkFree {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
struct AddrFree {
  void operator()(rtnl_addr* addr) const { rtnl_addr_put(addr); }
};
struct NlAddrFree {
  void operator()(nl_addr* addr) const { nl_addr_put(addr); }
};
struct RouteFree {
  void operator()(rtnl_route* route) const { rtnl_route_put(route); }
};

std::string addressText(in_addr address) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &address, text, sizeof text);
  return text;
}

std::unique_ptr<nl_addr, NlAddrFree> buildAddress(in_addr address, unsigned prefixLength) {
  std::unique_ptr<nl_addr, NlAddrFree> built(nl_addr_build(AF_INET, &address, sizeof address));
  if (built) nl_addr_set_prefixlen(built.get(), static_cast<int>(prefixLength));
  return built;
}

}  // namespace

std::string Ipv4Cidr::text() const {
  return addressText(address) + "/" + std::to_string(prefixLength);
}

Result<in_addr> parseIpv4(std::string_view text, std::string_view what) {
  in_addr address{};
  if (::inet_pton(AF_INET, std::string(text).c_str(), &address) != 1)
    return userError(std::string(what) + " `" + std::string(text) +
                     "` is not an IPv4 address: write it as four numbers, e.g. 10.88.0.1");
  return address;
}

Result<Ipv4Cidr> parseIpv4Cidr(std::string_view text, std::string_view what) {
  auto slash = text.find('/');
  unsigned prefix = 0;
  const char* end = text.data() + text.size();
  if (slash == std::string_view::npos || std::from_chars(text.data() + slash + 1, end, prefix).ptr != end ||
      slash + 1 == text.size() || prefix < 1 || prefix > 32)
    return userError(std::string(what) + " `" + std::string(text) +
                     "` is not an IPv4 address with a prefix length: write it as 10.88.0.1/16");
  auto address = parseIpv4(text.substr(0, slash), what);
  if (!address) return tl::unexpected(address.error());
  return Ipv4Cidr{*address, prefix};
}

Result<void> setLinkUp(const NetlinkSocket& sock, int linkIndex, const std::string& name) {
  std::unique_ptr<rtnl_link, LinkFree> target(rtnl_link_alloc());
  std::unique_ptr<rtnl_link, LinkFree> change(rtnl_link_alloc());
  if (!target || !change) return systemError("allocate a link", name, ENOMEM);
  rtnl_link_set_ifindex(target.get(), linkIndex);
  rtnl_link_set_flags(change.get(), IFF_UP);
  if (int err = rtnl_link_change(sock.get(), target.get(), change.get(), 0); err < 0)
    return sock.failure("set the link up", name, err);
  return {};
}

Result<void> addIpv4Address(const NetlinkSocket& sock, int linkIndex, const Ipv4Cidr& address) {
  std::unique_ptr<rtnl_addr, AddrFree> addr(rtnl_addr_alloc());
  auto local = buildAddress(address.address, address.prefixLength);
  if (!addr || !local) return systemError("allocate an address", address.text(), ENOMEM);
  rtnl_addr_set_ifindex(addr.get(), linkIndex);
  rtnl_addr_set_family(addr.get(), AF_INET);
  if (int err = rtnl_addr_set_local(addr.get(), local.get()); err < 0)
    return netlinkError("set the address", address.text(), err);
  rtnl_addr_set_prefixlen(addr.get(), static_cast<int>(address.prefixLength));
  int err = rtnl_addr_add(sock.get(), addr.get(), 0);
  if (err < 0 && -err != NLE_EXIST) return sock.failure("add the address", address.text(), err);
  return {};
}

Result<void> addDefaultRoute(const NetlinkSocket& sock, int linkIndex, in_addr gateway) {
  std::unique_ptr<rtnl_route, RouteFree> route(rtnl_route_alloc());
  auto anywhere = buildAddress(in_addr{}, 0);
  auto via = buildAddress(gateway, 32);
  rtnl_nexthop* hop = rtnl_route_nh_alloc();
  if (!route || !anywhere || !via || !hop) {
    if (hop) rtnl_route_nh_free(hop);
    return systemError("allocate a route", "", ENOMEM);
  }
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  if (int err = rtnl_route_set_dst(route.get(), anywhere.get()); err < 0)
    return netlinkError("set the route's destination", "0.0.0.0/0", err);
  rtnl_route_nh_set_ifindex(hop, linkIndex);
  rtnl_route_nh_set_gateway(hop, via.get());
  rtnl_route_add_nexthop(route.get(), hop);  // the route owns the hop from here
  if (int err = rtnl_route_add(sock.get(), route.get(), NLM_F_EXCL); err < 0)
    return sock.failure("add the default route via", addressText(gateway), err);
  return {};
}

}  // namespace agent::net
