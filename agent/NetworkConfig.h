#pragma once
// agentd's networking keys (docs/networking.md), read from agent.yaml beside the others.
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "Error.h"

namespace agent {

struct NetworkConfig {
  std::string defaultNetwork = "none";  // `default_network`: none | host | bridge, for a run that does not say
  std::string bridgeName = "agent0";    // `bridge_name`: the bridge's link name, 1..15 bytes
  // `bridge_subnet`: IPv4, prefix /8../28; its first address is the bridge's. A host route
  // overlapping it stops agentd at its start when the file gave it (or default_network is
  // bridge); the default overlapping only turns bridge networking off, saying why.
  std::string bridgeSubnet = "172.30.0.0/16";
  bool bridgeSubnetGiven = false;  // by the config file (not part of the comparison)
  // `dns_fallback`: nameservers a container gets when the host's resolv.conf has loopback ones
  // only (a systemd-resolved or dnsmasq stub, unreachable from the container): Docker's.
  std::vector<std::string> dnsFallback = {"8.8.8.8", "8.8.4.4"};
  std::string natTable = "agent";  // `nat_table`: the agent's nftables table (family ip)

  bool operator==(const NetworkConfig& o) const {
    return defaultNetwork == o.defaultNetwork && bridgeName == o.bridgeName && bridgeSubnet == o.bridgeSubnet &&
           dnsFallback == o.dnsFallback && natTable == o.natTable;
  }
};

// Whether `key` is one of the keys above.
bool isNetworkConfigKey(const std::string& key);
// Reads one of them into `config`, checked; errors say file:line:column (`where`).
Result<void> readNetworkConfigKey(const std::string& where, const std::string& key, const YAML::Node& value,
                                  NetworkConfig& config);

}  // namespace agent
