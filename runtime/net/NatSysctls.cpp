#include "NatSysctls.h"

#include "FileAt.h"

namespace agent::net {
namespace {

Result<void> writeOne(const std::string& directory, const char* name) {
  auto dir = Dir::open(directory);
  if (!dir) return tl::unexpected(dir.error());
  return writeFileAt(*dir, name, "1");
}

}  // namespace

Result<void> enableIpv4Forwarding() {
  return writeOne("/proc/sys/net/ipv4", "ip_forward");
}

Result<void> enableRouteLocalnet(const std::string& bridgeName) {
  if (bridgeName.empty() || bridgeName.find('/') != std::string::npos || bridgeName == "." || bridgeName == "..")
    return userError("The bridge name `" + bridgeName + "` is no interface name.");
  return writeOne("/proc/sys/net/ipv4/conf/" + bridgeName, "route_localnet");
}

}  // namespace agent::net
