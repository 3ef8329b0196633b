#pragma once
// What ContainerRuntime asks of bridge networking (`--net bridge`, docs/networking.md), without
// knowing how it is done: agentd implements it with runtime/net (a bridge, veth pairs, leases,
// an nftables table: agent/BridgeNetworking.h). The runtime calls, for each bridge container:
//   reserve()  before anything of the container exists: its address leased, its published
//              ports chosen and checked (refused, naming who holds a host port), the files of
//              its /etc rendered; nothing of it runs yet;
//   attach()   once its PID 1 is in its own network namespace and blocked before its command:
//              the veth pair, and the DNAT rules of its ports;
//   release()  when it is removed, or its start failed: veth, rules and lease go.
// Every call is safe to repeat (agentd may crash between two of them).
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "Error.h"

namespace agent::container {

// A published port as the container's record keeps it (`-p 127.0.0.1:8080:80/tcp`).
struct PortBinding {
  std::string hostIp = "0.0.0.0";  // 0.0.0.0: every address of the host
  uint16_t hostPort = 0;
  uint16_t containerPort = 0;
  std::string protocol = "tcp";  // tcp or udp
  bool operator==(const PortBinding&) const = default;
};

// As `docker ps` shows one: "0.0.0.0:8080->80/tcp".
std::string portBindingText(const PortBinding& port);

struct NetworkReservation {
  std::string address;                          // the container's, "172.30.0.2"
  std::vector<PortBinding> ports;               // every host port chosen
  std::map<std::string, std::string> etcFiles;  // "/etc/hosts" -> its text, for the container to see
};

// Who the container is, for the rules and files made for it.
struct NetworkedContainer {
  std::string id;          // full id
  std::string name;        // its name (in /etc/hosts, and in errors naming who holds a port)
  std::string hostname;    // /etc/hostname, /etc/hosts
  std::string cgroupPath;  // its `id` label on /metrics, as the container_* series have it
};

class ContainerNetwork {
 public:
  virtual ~ContainerNetwork() = default;
  // `publish`: the `-p` texts as given ("8080:80", "53/udp", "127.0.0.1::80").
  virtual Result<NetworkReservation> reserve(const NetworkedContainer& container,
                                             const std::vector<std::string>& publish) = 0;
  virtual Result<void> attach(const std::string& id, pid_t pid1) = 0;
  virtual Result<void> release(const std::string& id) = 0;
};

}  // namespace agent::container
