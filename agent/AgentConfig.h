#pragma once
// agentd's settings: built-in defaults, then /etc/agent/agent.yaml (every key optional), then
// command-line flags. See docs/agentd.md.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ApiTlsConfig.h"
#include "EnginesConfig.h"
#include "Error.h"
#include "NetworkConfig.h"

namespace agent {

struct AgentConfig {
  std::string configFile = "/etc/agent/agent.yaml";
  std::string stateDir = "/run/agent";
  std::string dataDir = "/var/lib/agent";
  std::string policyDir = "/etc/agent/policies.d";
  std::string cgroupParent = "/agent";
  // `cgroup_driver`: auto, systemd or cgroupfs (CgroupDriver.h); what cgroup_parent means.
  std::string cgroupDriver = "auto";
  std::string metricsAddress = ":9101";
  std::string apiAddress = "127.0.0.1:9102";
  // `api_tls_cert`, `api_tls_key`: TLS on the control API, required off loopback (ApiTlsConfig.h).
  ApiTlsConfig apiTls;
  // `metrics_allow`: networks (CIDR) the metrics port serves; others are closed at accept.
  // Empty: every address. Checked at load (NetworkAllowList.h).
  std::vector<std::string> metricsAllow;
  std::string logLevel = "info";
  std::string shimPath;        // empty: agent-shim beside agentd
  std::string seccompProfile;  // containers' default seccomp profile; empty: share/agent/seccomp/default.json
  uint64_t logMaxBytes = 10 << 20;
  // `max_image_upload`: the largest archive `image load` may send as a request body (ImageUpload.h).
  uint64_t maxImageUpload = uint64_t{32} << 30;
  // Containers kept prepared (namespaces made, cgroup joined) so that `run` starts in a few
  // ms instead of paying the kernel's cgroup-join wait; 0 turns it off. See StandbyPool.h.
  uint64_t standbyContainers = 4;
  // User namespaces (docs/security.md).
  std::string defaultUserns = "host";  // `default_userns`: host | auto, for a run that does not say
  std::string usernsUser = "agent";    // `userns_user`: whose /etc/subuid and /etc/subgid ranges auto hands out
  // Enforcement (docs/policies.md).
  double reconcileIntervalSeconds = 5.0;  // `reconcile_interval`
  bool enforce = true;                    // `enforce`: false reports what would change, writes nothing
  // Metrics (docs/metrics.md).
  double collectIntervalSeconds = 1.0;       // `collect_interval`
  double idleRefreshSeconds = 10.0;          // `idle_refresh`: longest wait to re-read a group where nothing ran
  double maxStalenessSeconds = 0;            // `max_staleness`: a scrape refreshes an older snapshot; 0 never
  double fsUsageIntervalSeconds = 60.0;      // `fs_usage_interval`: writable layers walked at most this often; 0 off
  std::string exportMode = "containers";     // `export`: containers | all
  uint64_t maxDepth = 32;                    // `max_depth`: cgroup levels walked below the root
  std::vector<std::string> ignoreCgroups;    // `ignore_cgroups`: globs on cgroup paths
  std::vector<std::string> containerLabels;  // `container_labels`: keys exported as container_label_<key>
  // Other engines' containers by their names (docs/engines.md).
  EnginesConfig engines;  // `engines`
  // `containerd_state`: containerd's state dir; its task bundles name Kubernetes' containers
  // (docs/engines.md). Empty: not read.
  std::string containerdState = "/run/containerd";
  // Bridge networking (docs/networking.md): default_network, bridge_name, bridge_subnet,
  // dns_fallback, nat_table.
  NetworkConfig network;

  bool operator==(const AgentConfig&) const = default;
};

// Every key the file may hold; any other is refused. agent/agent.yaml, the sample, sets each of
// them to its default (a unit test loads it and compares), so a new key cannot miss the sample.
const std::vector<std::string_view>& configKeys();

// Reads the YAML file into `config`, keeping what the file does not set. A missing file is
// fine when `required` is false (the default path); unknown keys and wrong types are errors
// with file:line:column.
Result<void> loadConfigFile(const std::string& path, bool required, AgentConfig& config);

}  // namespace agent
