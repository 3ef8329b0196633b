#include "ContainerRecord.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "VolumeJson.h"

namespace agent::container {

using nlohmann::json;

namespace {

// As devices.list has them: "c 1:3 rwm".
json deviceRulesJson(const std::vector<cgroup::DeviceRule>& rules) {
  json lines = json::array();
  for (const auto& rule : rules) lines.push_back(cgroup::v1DeviceLine(rule));
  return lines;
}

std::vector<cgroup::DeviceRule> deviceRulesFromJson(const json& lines) {
  std::vector<cgroup::DeviceRule> rules;
  for (const auto& line : lines) {
    auto parsed = cgroup::parseV1DevicesList(line.get<std::string>());
    if (!parsed || parsed->size() != 1) throw std::runtime_error("device_rules: " + line.dump() + " is not one rule");
    rules.push_back(parsed->front());
  }
  return rules;
}

json devicesJson(const std::vector<DeviceMapping>& devices) {
  json out = json::array();
  for (const auto& d : devices) {
    out.push_back({{"host_path", d.hostPath},
                   {"container_path", d.containerPath},
                   {"permissions", d.permissions},
                   {"type", std::string(1, d.type)},
                   {"major", d.major},
                   {"minor", d.minor},
                   {"mode", d.mode},
                   {"uid", d.uid},
                   {"gid", d.gid}});
  }
  return out;
}

std::vector<DeviceMapping> devicesFromJson(const json& list) {
  std::vector<DeviceMapping> devices;
  for (const auto& j : list) {
    DeviceMapping d;
    d.hostPath = j.at("host_path").get<std::string>();
    d.containerPath = j.at("container_path").get<std::string>();
    d.permissions = j.at("permissions").get<std::string>();
    d.type = j.at("type").get<std::string>() == "b" ? 'b' : 'c';
    d.major = j.at("major").get<uint32_t>();
    d.minor = j.at("minor").get<uint32_t>();
    d.mode = j.at("mode").get<uint32_t>();
    d.uid = j.at("uid").get<uint32_t>();
    d.gid = j.at("gid").get<uint32_t>();
    devices.push_back(std::move(d));
  }
  return devices;
}

json portsJson(const std::vector<PortBinding>& ports) {
  json all = json::array();
  for (const auto& p : ports)
    all.push_back(
        {{"host_ip", p.hostIp}, {"host_port", p.hostPort}, {"container_port", p.containerPort}, {"proto", p.protocol}});
  return all;
}

std::vector<PortBinding> portsFromJson(const json& all) {
  std::vector<PortBinding> ports;
  for (const auto& p : all)
    ports.push_back(PortBinding{p.at("host_ip").get<std::string>(), p.at("host_port").get<uint16_t>(),
                                p.at("container_port").get<uint16_t>(), p.at("proto").get<std::string>()});
  return ports;
}

NetworkMode networkModeFromName(const std::string& name) {
  for (auto mode : {NetworkMode::Host, NetworkMode::Bridge, NetworkMode::Container})
    if (name == networkModeName(mode)) return mode;
  return NetworkMode::None;
}

}  // namespace

std::string toJson(const ContainerConfig& c) {
  json j = {{"id", c.spec.id},
            {"name", c.name},
            {"image", c.image},
            {"labels", c.labels},
            {"hostname", c.spec.hostname},
            {"image_rootfs", c.spec.imageRootfs},
            {"image_id", c.imageId},
            {"image_layers", c.imageLayers},
            {"lower_base", c.spec.lowerBase},
            {"lower_dirs", c.spec.lowerDirs},
            {"user", c.spec.user},
            {"layer_dir", c.spec.layerDir},
            {"args", c.spec.args},
            {"env", c.spec.env},
            {"cwd", c.spec.cwd},
            {"network", networkModeName(c.spec.network)},
            {"cgroup_path", c.cgroupPath},
            {"log_path", c.logPath},
            {"log_max_bytes", c.logMaxBytes},
            {"created_at_unix_ms", c.createdAtUnixMs},
            {"remove_on_exit", c.removeOnExit}};
  if (c.deviceRules) j["device_rules"] = deviceRulesJson(*c.deviceRules);
  if (!c.spec.devices.empty()) j["devices"] = devicesJson(c.spec.devices);
  // User namespace: absent shares the host's.
  if (c.spec.userns)
    j["userns"] = {
        {"host_uid", c.spec.userns->hostUid}, {"host_gid", c.spec.userns->hostGid}, {"size", c.spec.userns->size}};
  j["capabilities"] = capabilityNames(c.spec.capabilities);
  j["seccomp"] = seccompModeName(c.spec.seccomp);
  if (!c.spec.seccompFilter.empty()) j["seccomp_filter"] = c.spec.seccompFilter;
  // Volumes: absent for none (and for records of an agentd from before them).
  if (!c.spec.volumes.empty()) j["volumes"] = volumesJson(c.spec.volumes);
  // Networking: absent for none and host.
  if (!c.spec.networkContainer.empty()) j["network_container"] = c.spec.networkContainer;
  if (!c.spec.netnsPath.empty()) j["netns_path"] = c.spec.netnsPath;
  if (!c.spec.etcFiles.empty()) j["etc_files"] = volumesJson(c.spec.etcFiles);
  if (!c.networkAddress.empty()) j["network_address"] = c.networkAddress;
  if (!c.ports.empty()) j["ports"] = portsJson(c.ports);
  if (c.spec.readOnlyRoot) j["read_only_root"] = true;
  if (c.spec.tty) j["tty"] = true;  // terminals: absent is false
  if (c.spec.openStdin) j["open_stdin"] = true;
  if (c.spec.consoleRows > 0) j["console_size"] = {c.spec.consoleRows, c.spec.consoleColumns};
  return j.dump(2) + "\n";
}

std::string toJson(const PidRecord& r) {
  json j = {{"pid", r.pid},
            {"start_time_ticks", r.startTimeTicks},
            {"started_at_unix_ms", r.startedAtUnixMs},
            {"shim_pid", r.shimPid},
            {"shim_start_time_ticks", r.shimStartTimeTicks}};
  return j.dump() + "\n";
}

std::string toJson(const ExitRecord& r) {
  json j = {{"exit_code", r.exitCode}, {"finished_at_unix_ms", r.finishedAtUnixMs}};
  if (r.signal) j["signal"] = *r.signal;
  if (!r.error.empty()) j["error"] = r.error;
  return j.dump() + "\n";
}

namespace {
constexpr const char* kUsageKeys[] = {"cpu_usage_ns",   "cpu_user_ns", "cpu_system_ns", "memory_max_usage_bytes",
                                      "memory_failcnt", "oom_kills",   "io_read_bytes", "io_write_bytes"};
std::optional<uint64_t> FinalUsage::*const kUsageFields[] = {
    &FinalUsage::cpuUsageNs,    &FinalUsage::cpuUserNs, &FinalUsage::cpuSystemNs, &FinalUsage::memoryMaxUsageBytes,
    &FinalUsage::memoryFailcnt, &FinalUsage::oomKills,  &FinalUsage::ioReadBytes, &FinalUsage::ioWriteBytes};
}  // namespace

std::string toJson(const FinalUsage& u) {
  json j = {{"read_at_unix_ms", u.readAtUnixMs}};
  for (size_t i = 0; i < std::size(kUsageKeys); ++i)
    if (u.*kUsageFields[i]) j[kUsageKeys[i]] = *(u.*kUsageFields[i]);
  return j.dump() + "\n";
}

namespace {
template <typename T, typename Fill>
Result<T> parse(std::string_view text, const std::string& path, Fill fill) {
  try {
    json j = json::parse(text);
    T value;
    fill(j, value);
    return value;
  } catch (const std::exception& e) {
    return logicError(std::string("parse (") + e.what() + ")", path);
  }
}
}  // namespace

Result<ContainerConfig> configFromJson(std::string_view text, const std::string& path) {
  return parse<ContainerConfig>(text, path, [](const json& j, ContainerConfig& c) {
    c.spec.id = j.at("id").get<std::string>();
    c.name = j.at("name").get<std::string>();
    c.image = j.value("image", "");
    c.labels = j.value("labels", std::map<std::string, std::string>{});
    c.spec.hostname = j.at("hostname").get<std::string>();
    c.spec.imageRootfs = j.at("image_rootfs").get<std::string>();
    c.imageId = j.value("image_id", "");
    c.imageLayers = j.value("image_layers", std::vector<std::string>{});
    c.spec.lowerBase = j.value("lower_base", "");
    c.spec.lowerDirs = j.value("lower_dirs", std::vector<std::string>{});
    c.spec.user = j.value("user", "");
    c.spec.layerDir = j.at("layer_dir").get<std::string>();
    c.spec.args = j.at("args").get<std::vector<std::string>>();
    c.spec.env = j.value("env", std::vector<std::string>{});
    c.spec.cwd = j.value("cwd", "/");
    c.spec.network = networkModeFromName(j.value("network", "none"));
    c.cgroupPath = j.at("cgroup_path").get<std::string>();
    c.logPath = j.at("log_path").get<std::string>();
    c.logMaxBytes = j.value("log_max_bytes", uint64_t{10 << 20});
    c.createdAtUnixMs = j.value("created_at_unix_ms", int64_t{0});
    c.removeOnExit = j.value("remove_on_exit", false);
    if (j.contains("device_rules")) c.deviceRules = deviceRulesFromJson(j.at("device_rules"));
    if (j.contains("devices")) c.spec.devices = devicesFromJson(j.at("devices"));
    if (j.contains("userns")) {
      const json& u = j.at("userns");
      c.spec.userns = userns::IdMapping{u.at("host_uid").get<uint32_t>(), u.at("host_gid").get<uint32_t>(),
                                        u.at("size").get<uint32_t>()};
    }
    // Records of an agentd before --cap-add/--cap-drop: Docker's default set.
    if (j.contains("capabilities")) {
      auto caps = capabilitiesFromNames(j.at("capabilities").get<std::vector<std::string>>());
      if (!caps) throw std::runtime_error(caps.error().message());
      c.spec.capabilities = *caps;
    }
    std::string seccomp = j.value("seccomp", "unconfined");  // before seccomp: none
    c.spec.seccomp = seccomp == "default"  ? SeccompMode::Default
                     : seccomp == "custom" ? SeccompMode::Custom
                                           : SeccompMode::Unconfined;
    c.spec.seccompFilter = j.value("seccomp_filter", "");
    if (j.contains("volumes")) c.spec.volumes = volumesFromJson(j.at("volumes"));
    c.spec.networkContainer = j.value("network_container", "");
    c.spec.netnsPath = j.value("netns_path", "");
    if (j.contains("etc_files")) c.spec.etcFiles = volumesFromJson(j.at("etc_files"));
    c.networkAddress = j.value("network_address", "");
    if (j.contains("ports")) c.ports = portsFromJson(j.at("ports"));
    c.spec.readOnlyRoot = j.value("read_only_root", false);
    c.spec.tty = j.value("tty", false);
    c.spec.openStdin = j.value("open_stdin", false);
    if (j.contains("console_size")) {
      c.spec.consoleRows = j.at("console_size").at(0).get<uint16_t>();
      c.spec.consoleColumns = j.at("console_size").at(1).get<uint16_t>();
    }
  });
}

Result<PidRecord> pidRecordFromJson(std::string_view text, const std::string& path) {
  return parse<PidRecord>(text, path, [](const json& j, PidRecord& r) {
    r.pid = j.at("pid").get<pid_t>();
    r.startTimeTicks = j.at("start_time_ticks").get<uint64_t>();
    r.startedAtUnixMs = j.value("started_at_unix_ms", int64_t{0});
    r.shimPid = j.value("shim_pid", pid_t{0});
    r.shimStartTimeTicks = j.value("shim_start_time_ticks", uint64_t{0});
  });
}

Result<ExitRecord> exitRecordFromJson(std::string_view text, const std::string& path) {
  return parse<ExitRecord>(text, path, [](const json& j, ExitRecord& r) {
    r.exitCode = j.at("exit_code").get<int>();
    if (j.contains("signal")) r.signal = j.at("signal").get<int>();
    r.finishedAtUnixMs = j.value("finished_at_unix_ms", int64_t{0});
    r.error = j.value("error", "");
  });
}

Result<FinalUsage> finalUsageFromJson(std::string_view text, const std::string& path) {
  return parse<FinalUsage>(text, path, [](const json& j, FinalUsage& u) {
    u.readAtUnixMs = j.value("read_at_unix_ms", int64_t{0});
    for (size_t i = 0; i < std::size(kUsageKeys); ++i)
      if (j.contains(kUsageKeys[i])) u.*kUsageFields[i] = j.at(kUsageKeys[i]).get<uint64_t>();
  });
}

}  // namespace agent::container
