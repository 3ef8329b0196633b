#include "NetworkConfig.h"

#include <algorithm>

#include "ContainerEtcFiles.h"
#include "Ipv4Subnet.h"
#include "NatTable.h"

namespace agent {

namespace {

tl::unexpected<Error> keyError(const std::string& where, const std::string& what) {
  return userError(where + ": " + what + "; fix the config file", EINVAL);
}

constexpr const char* kKeys[] = {"default_network", "bridge_name", "bridge_subnet", "dns_fallback", "nat_table"};

}  // namespace

bool isNetworkConfigKey(const std::string& key) {
  return std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
}

Result<void> readNetworkConfigKey(const std::string& where, const std::string& key, const YAML::Node& value,
                                  NetworkConfig& config) {
  if (key == "dns_fallback") {
    if (!value.IsSequence()) return keyError(where, "`dns_fallback` is a list of IPv4 nameservers, e.g. [9.9.9.9]");
    std::vector<std::string> texts;
    for (const auto& item : value) texts.push_back(item.as<std::string>());
    auto nameservers = net::parseNameservers(texts);
    if (!nameservers) return keyError(where, nameservers.error().message());
    config.dnsFallback = std::move(*nameservers);
    return {};
  }
  std::string text = value.as<std::string>();
  if (key == "default_network") {
    if (text != "none" && text != "host" && text != "bridge")
      return keyError(where, "`default_network` is none, host or bridge");
    config.defaultNetwork = text;
  } else if (key == "bridge_name") {
    bool valid = !text.empty() && text.size() <= 15 && std::all_of(text.begin(), text.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
    if (!valid) return keyError(where, "`bridge_name` is a link name of 1 to 15 letters, digits, '-', '_' or '.'");
    config.bridgeName = text;
  } else if (key == "bridge_subnet") {
    auto subnet = net::Ipv4Subnet::parse(text);
    if (!subnet) return keyError(where, "`bridge_subnet`: " + subnet.error().message());
    if (subnet->prefixLength() < 8 || subnet->prefixLength() > 28)
      return keyError(where, "`bridge_subnet` needs a prefix from /8 to /28 (room for the bridge and containers)");
    config.bridgeSubnet = text;
    config.bridgeSubnetGiven = true;
  } else if (key == "nat_table") {
    if (auto name = net::checkNatTableName(text); !name)
      return keyError(where, "`nat_table`: " + name.error().message());
    config.natTable = text;
  }
  return {};
}

}  // namespace agent
