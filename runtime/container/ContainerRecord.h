#pragma once
// What is kept on disk for each container, in <state-dir>/containers/<id>/:
//   config.json  written by agentd when the container is created (never changed by the shim)
//   pid.json     written by agent-shim once PID 1 runs: pid + start time (field 22 of stat)
//   exit.json    written by agent-shim when PID 1 ends: the exit code, 128+signal if killed
//                (by agentd instead when the shim ended first: the code is then unknown, 255)
//   usage.json   written by agentd once the container stopped, from its cgroup, just before
//                it removes the cgroup: what the container used, and whether it was OOM-killed
// Each is written atomically; agentd rebuilds its whole view from them after a restart.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "ContainerNetwork.h"
#include "ContainerSpec.h"
#include "DeviceRules.h"
#include "Error.h"
#include "UnixTime.h"

namespace agent::container {

struct ContainerConfig {
  ContainerSpec spec;
  std::string name;
  std::string image;
  // A layered image's id and its layers' diff_ids (base first): the store keeps the layers
  // of an image a container uses even after `image rm -f` (LayeredImageStore.h).
  std::string imageId;
  std::vector<std::string> imageLayers;
  std::map<std::string, std::string> labels;
  std::string cgroupPath;  // e.g. /agent/<id>
  std::string logPath;     // PID 1's stdout and stderr
  uint64_t logMaxBytes = 10 << 20;
  int64_t createdAtUnixMs = 0;
  bool removeOnExit = false;
  // The device allow-list put in place before the command ran (Docker's, plus --device);
  // none for a container of an agentd from before device confinement, which stays as it is.
  std::optional<std::vector<cgroup::DeviceRule>> deviceRules;
  // --net bridge (ContainerNetwork.h): its leased address and published ports, kept until rm.
  std::string networkAddress;
  std::vector<PortBinding> ports;
};

struct PidRecord {
  pid_t pid = 0;
  uint64_t startTimeTicks = 0;  // with the pid, tells PID 1 from a later process reusing the pid
  int64_t startedAtUnixMs = 0;
  pid_t shimPid = 0;  // the shim that will write exit.json, and its start time
  uint64_t shimStartTimeTicks = 0;
};

struct ExitRecord {
  int exitCode = 0;  // the code, or 128 + signal
  std::optional<int> signal;
  int64_t finishedAtUnixMs = 0;
  std::string error;  // why the command never ran (exit codes 125-127), else empty
};

// What a stopped container used in its life, read from its cgroup before the cgroup goes.
// Empty fields: the kernel or the layout lacks the source (or the cgroup was gone already).
struct FinalUsage {
  std::optional<uint64_t> cpuUsageNs, cpuUserNs, cpuSystemNs;
  std::optional<uint64_t> memoryMaxUsageBytes;  // v1 max_usage_in_bytes, v2 memory.peak (5.19+)
  std::optional<uint64_t> memoryFailcnt;
  std::optional<uint64_t> oomKills;  // v1 memory.oom_control oom_kill, v2 memory.events oom_kill
  std::optional<uint64_t> ioReadBytes, ioWriteBytes;
  int64_t readAtUnixMs = 0;
  bool oomKilled() const { return oomKills.value_or(0) > 0; }
};

std::string toJson(const ContainerConfig& config);
std::string toJson(const PidRecord& record);
std::string toJson(const ExitRecord& record);
std::string toJson(const FinalUsage& usage);
Result<ContainerConfig> configFromJson(std::string_view text, const std::string& pathForErrors);
Result<PidRecord> pidRecordFromJson(std::string_view text, const std::string& pathForErrors);
Result<ExitRecord> exitRecordFromJson(std::string_view text, const std::string& pathForErrors);
Result<FinalUsage> finalUsageFromJson(std::string_view text, const std::string& pathForErrors);

using agent::nowUnixMs;  // UnixTime.h

}  // namespace agent::container
