#include "BridgePort.h"

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <sys/socket.h>

#include <string>

#include "InterfaceConfig.h"
#include "LinkQuery.h"
#include "NetlinkSocket.h"

namespace agent::net {

Result<void> enableHairpin(std::string_view portName) {
  std::string name(portName);
  auto sock = NetlinkSocket::open();
  if (!sock) return tl::unexpected(sock.error());
  auto link = readLink(*sock, portName);
  if (!link) return tl::unexpected(link.error());
  if (!*link) return logicError("find the bridge port", name, ENODEV);
  // libnl has no setter for a port's mode: the RTM_SETLINK of `ip link set ... hairpin on`,
  // family AF_BRIDGE so that the bridge driver takes IFLA_PROTINFO as the port's attributes.
  nl_msg* msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
  if (msg == nullptr) return systemError("allocate a netlink message for", name, ENOMEM);
  ifinfomsg header{};
  header.ifi_family = AF_BRIDGE;
  header.ifi_index = (*link)->index;
  nlattr* protinfo = nullptr;
  bool built = nlmsg_append(msg, &header, sizeof header, NLMSG_ALIGNTO) == 0 &&
               (protinfo = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED)) != nullptr &&
               nla_put_u8(msg, IFLA_BRPORT_MODE, 1) == 0 && nla_nest_end(msg, protinfo) == 0;
  if (!built) {
    nlmsg_free(msg);
    return systemError("build the netlink message for", name, ENOMEM);
  }
  if (int err = nl_send_sync(sock->get(), msg); err < 0)  // frees msg
    return sock->failure("set hairpin mode on the bridge port", name, err);
  return {};
}

Result<bool> rejoinBridge(std::string_view portName, std::string_view bridge) {
  auto sock = NetlinkSocket::open();
  if (!sock) return tl::unexpected(sock.error());
  auto port = readLink(*sock, portName);
  if (!port) return tl::unexpected(port.error());
  auto master = readLink(*sock, bridge);
  if (!master) return tl::unexpected(master.error());
  if (!*port || !*master || (*port)->masterIndex == (*master)->index) return false;
  std::string name(portName);
  if (int err = rtnl_link_enslave_ifindex(sock->get(), (*master)->index, (*port)->index); err < 0)
    return sock->failure("put back on the bridge", name, err);
  if (auto up = setLinkUp(*sock, (*port)->index, name); !up) return tl::unexpected(up.error());
  if (auto hairpin = enableHairpin(portName); !hairpin) return tl::unexpected(hairpin.error());
  return true;
}

}  // namespace agent::net
