#include "ContainerJson.h"

#include "Quantity.h"
#include "VolumeJson.h"

namespace agent {

using nlohmann::json;

namespace {

json limitsJson(const cgroup::Limits& limits) {
  json j = json::object();
  if (limits.cpu) j["cpu"] = policies::formatCpu(*limits.cpu);
  if (limits.memoryMax) j["memory"] = policies::formatMemory(*limits.memoryMax);
  if (limits.pidsMax) j["pids"] = policies::formatPids(*limits.pidsMax);
  return j;
}

// What a stopped container used, as recorded from its cgroup when it stopped.
json usageJson(const container::FinalUsage& u) {
  json j = json::object();
  auto put = [&j](const char* key, const std::optional<uint64_t>& value) {
    if (value) j[key] = *value;
  };
  put("cpu_usage_ns", u.cpuUsageNs);
  put("cpu_user_ns", u.cpuUserNs);
  put("cpu_system_ns", u.cpuSystemNs);
  put("memory_max_usage_bytes", u.memoryMaxUsageBytes);
  put("memory_failcnt", u.memoryFailcnt);
  put("oom_kills", u.oomKills);
  put("io_read_bytes", u.ioReadBytes);
  put("io_write_bytes", u.ioWriteBytes);
  return j;
}

// "host", or the range: {"mode": "auto", "uid_map": "0 100000000 65536", "gid_map": ...}.
json usernsJson(const std::optional<userns::IdMapping>& mapping) {
  if (!mapping) return {{"mode", "host"}};
  auto line = [&](uint32_t host) {
    std::string text = userns::mapLine(host, mapping->size);
    return text.substr(0, text.size() - 1);
  };
  return {{"mode", "auto"}, {"uid_map", line(mapping->hostUid)}, {"gid_map", line(mapping->hostGid)}};
}

}  // namespace

json containerJson(const container::ContainerRuntime& runtime, const container::ContainerInfo& info) {
  const auto& c = info.config;
  json j = {{"id", c.spec.id},
            {"short_id", info.shortId()},
            {"name", c.name},
            {"image", c.image},
            {"state", std::string(container::stateName(info.status.state))},
            {"command", c.spec.args},
            {"hostname", c.spec.hostname},
            {"network", c.spec.network == container::NetworkMode::Container
                            ? "container:" + c.spec.networkContainer
                            : std::string(container::networkModeName(c.spec.network))},
            {"labels", c.labels},
            {"cgroup", c.cgroupPath},
            {"created_at_unix_ms", c.createdAtUnixMs},
            {"remove_on_exit", c.removeOnExit}};
  // Bridge networking: the leased address and the published ports (host_port chosen by agentd
  // for a `-p CTRPORT`), as docker inspect's NetworkSettings.IPAddress and Ports.
  if (!c.networkAddress.empty()) j["address"] = c.networkAddress;
  if (c.spec.network == container::NetworkMode::Bridge) {
    j["ports"] = json::array();
    for (const auto& p : c.ports)
      j["ports"].push_back({{"host_ip", p.hostIp},
                            {"host_port", p.hostPort},
                            {"container_port", p.containerPort},
                            {"proto", p.protocol}});
  }
  if (c.spec.tty) j["tty"] = true;  // terminals (agentctl attach asks)
  if (c.spec.openStdin) j["open_stdin"] = true;
  if (!c.spec.devices.empty()) {
    j["devices"] = json::array();
    for (const auto& d : c.spec.devices)
      j["devices"].push_back(d.hostPath + ":" + d.containerPath + ":" + d.permissions);
  }
  j["userns"] = usernsJson(c.spec.userns);
  // Volumes, as Docker's inspect has them in Mounts and HostConfig.ReadonlyRootfs.
  j["mounts"] = container::volumesJson(c.spec.volumes);
  j["read_only_root"] = c.spec.readOnlyRoot;
  j["capabilities"] = container::capabilityNames(c.spec.capabilities);
  j["seccomp"] = container::seccompModeName(c.spec.seccomp);
  if (info.status.pid) j["pid"] = info.status.pid->pid;
  if (info.status.startedAtUnixMs > 0) j["started_at_unix_ms"] = info.status.startedAtUnixMs;
  if (info.status.exit) {
    j["exit_code"] = info.status.exit->exitCode;
    j["finished_at_unix_ms"] = info.status.exit->finishedAtUnixMs;
    if (info.status.exit->signal) j["exit_signal"] = *info.status.exit->signal;
    if (!info.status.exit->error.empty()) j["error"] = info.status.exit->error;
  }
  if (info.status.usage) {
    j["oom_killed"] = info.status.usage->oomKilled();
    j["usage"] = usageJson(*info.status.usage);
  }
  if (info.status.state != container::ContainerState::Stopped) {
    if (auto group = runtime.cgroupOf(c)) {
      if (auto limits = group->readLimits()) j["limits"] = limitsJson(*limits);
      if (auto why = group->whyDevicesUnconfined()) {
        j["device_confinement"] =
            *why ? "none: " + **why : std::string(cgroup::mechanismName(group->deviceMechanism()));
      }
    }
  }
  return j;
}

}  // namespace agent
