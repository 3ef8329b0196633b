#pragma once
// agentd's settings: built-in defaults, then /etc/agent/agent.yaml (every key optional), then
// command-line flags. See docs/agentd.md.
#include <cstdint>
#include <string>

#include "Error.h"

namespace agent {

struct AgentConfig {
  std::string configFile = "/etc/agent/agent.yaml";
  std::string stateDir = "/run/agent";
  std::string dataDir = "/var/lib/agent";
  std::string policyDir = "/etc/agent/policies.d";
  std::string cgroupParent = "/agent";
  std::string metricsAddress = ":9101";
  std::string apiAddress = "127.0.0.1:9102";
  std::string logLevel = "info";
  std::string shimPath;  // empty: agent-shim beside agentd
  uint64_t logMaxBytes = 10 << 20;
  // Containers kept prepared (namespaces made, cgroup joined) so that `run` starts in a few
  // ms instead of paying the kernel's cgroup-join wait; 0 turns it off. See StandbyPool.h.
  uint64_t standbyContainers = 4;
};

// Reads the YAML file into `config`, keeping what the file does not set. A missing file is
// fine when `required` is false (the default path); unknown keys and wrong types are errors
// with file:line:column.
Result<void> loadConfigFile(const std::string& path, bool required, AgentConfig& config);

}  // namespace agent
