#pragma once
// One collection cycle's view of the host, immutable once published: the collector builds
// a new one each cycle and swaps a shared_ptr, so readers (the /metrics renderer, the API,
// later the reconciler) never wait for the collector and never see half a cycle.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CgroupBackend.h"
#include "Classifier.h"
#include "EngineContainer.h"
#include "LayerUsage.h"
#include "Limits.h"
#include "Namespaces.h"
#include "NetDev.h"
#include "Stats.h"

namespace agent::collectors {

// What the agent itself knows of one of its containers. Built with designated initializers;
// every member has a default (g++ 12 warns of a designated list that leaves out a member
// without one).
struct AgentContainerInfo {
  std::string name{};
  std::string image{};
  std::map<std::string, std::string> labels{};
  std::string state{};  // created, running, paused, stopped
  int64_t createdAtUnixMs = 0;
  int64_t startedAtUnixMs = 0;  // when its PID 1 started (the shim's record); 0 before that
  std::string cgroupPath{};     // the `id` label; a stopped container's cgroup is gone
  std::string upperDir{};       // its overlay upper dir: container_fs_usage_bytes (LayerUsageSampler)
};

struct CgroupSample {
  std::string path;  // the `id` label
  Classification classification;
  std::string name;                           // the agent's name for its containers, else classification.name
  std::string image;                          // agent containers: the image name
  std::map<std::string, std::string> labels;  // agent labels (the exporter keeps the allow-listed)
  std::string agentState;                     // agent containers only
  cgroup::Stats stats;
  cgroup::Limits limits;
  std::optional<cgroup::FreezerState> freezer;
  size_t processes = 0;                     // in the group and below it
  std::vector<ns::NamespaceId> namespaces;  // of one of its processes; empty without any
  std::vector<proc::NetDevStats> network;   // empty when it shares the agent's network namespace
  // When the container started, Unix time; 0 when unknown (the series is then left out).
  // Agent containers: their recorded start. Others: the start of the oldest process in the
  // group (or below it) when the collector first saw it with processes (docs/metrics.md).
  double startTimeSeconds = 0;
  // Its writable layer's last measure (LayerUsageSampler); none when not measured (yet).
  std::optional<LayerUsage> writableLayer;
};

struct Snapshot {
  int64_t takenAtUnixMs = 0;
  std::string cgroupMode;
  uint32_t machineCpuCores = 0;
  uint64_t machineMemoryBytes = 0;
  size_t cgroupsOnHost = 0;      // every cgroup walked, exported or not, but the standby ones
  size_t standbyContainers = 0;  // the agent's prepared containers (their cgroups are not exported)
  // Every cgroup path the inventory knows but the standby ones ("/" first, sorted); shared between snapshots
  // until the inventory changes. The reconciler matches `cgroups:` policies against it.
  std::shared_ptr<const std::vector<std::string>> allPaths;
  size_t cgroupsCutAtDepth = 0;
  double collectionSeconds = 0;
  std::vector<CgroupSample> cgroups;  // the exported ones, "/" first
  // "/dev/sda" by major:minor, for the devices in the samples' io stats that sysfs names.
  std::map<std::pair<uint32_t, uint32_t>, std::string> blockDevices;
  // agent_collection_duration_seconds since the collector started (cumulative counts).
  std::vector<double> durationBounds;
  std::vector<uint64_t> durationCounts;  // per bound, not cumulative; one more for +Inf
  double durationSum = 0;
  // The agent's containers by id, stopped ones too (their cgroups are removed when they
  // stop): agent_container_state comes from here, not from the cgroups.
  std::shared_ptr<const std::map<std::string, AgentContainerInfo>> agentContainers;
  // The engines' containers (Docker, podman, containerd) by id as this cycle saw them; null
  // without engines. Samples of these containers carry their names, images and labels.
  engines::EngineContainersPtr engineContainers;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

}  // namespace agent::collectors
