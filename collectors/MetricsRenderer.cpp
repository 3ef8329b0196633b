#include "MetricsRenderer.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "LabelText.h"

namespace agent::collectors {

namespace {

enum class MetricType { Counter, Gauge, Histogram };
constexpr auto kCounter = MetricType::Counter;
constexpr auto kGauge = MetricType::Gauge;

const char* typeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

// The shortest text that reads back as the same double.
void appendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    // Whole numbers (bytes, counts) as integers: to_chars' shortest form would write
    // 100000 as "1e+05".
    bool whole = value == std::trunc(value) && std::fabs(value) < 9.0e15;
    auto [end, ec] = whole ? std::to_chars(buffer, buffer + sizeof buffer, static_cast<int64_t>(value))
                           : std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, end);
  }
}

// A series' labels, already in the text format: name="value",... (values escaped).
class Labels {
 public:
  Labels() = default;
  Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
    for (const auto& [name, value] : pairs) push_back(name, value);
  }
  void push_back(std::string_view name, std::string_view value) {
    if (!text_.empty()) text_ += ',';
    text_ += name;
    text_ += "=\"";
    appendLabelValue(text_, value);
    text_ += '"';
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// The text format written family by family: each family's series are appended to its own
// buffer as the samples are walked, and the buffers are joined at the end. Written straight
// from the Snapshot (no intermediate metric objects): 1000 containers are ~50,000 series.
class Families {
 public:
  std::string& get(std::string_view name, std::string_view help, MetricType type) {
    auto found = index_.find(name);
    if (found != index_.end()) return found->second->text;
    auto family = std::make_unique<Family>();
    family->name = name;
    family->text.reserve(4096);
    family->text.append("# HELP ").append(name).append(" ").append(help).append("\n");
    family->text.append("# TYPE ").append(name).append(" ").append(typeName(type)).append("\n");
    Family* raw = family.get();
    families_.push_back(std::move(family));
    index_.emplace(raw->name, raw);  // the key views the family's own name
    return raw->text;
  }
  void add(std::string_view name, std::string_view help, MetricType type, const Labels& labels, double value) {
    std::string& out = get(name, help, type);
    out += name;
    if (!labels.text().empty()) {
      out += '{';
      out += labels.text();
      out += '}';
    }
    out += ' ';
    appendValue(out, value);
    out += '\n';
  }
  // Only families that got a series exist: promtool wants HELP/TYPE only with samples.
  std::string take() {
    size_t size = 0;
    for (const auto& f : families_) size += f->text.size();
    std::string out;
    out.reserve(size);
    for (const auto& f : families_) out += f->text;
    return out;
  }

 private:
  struct Family {
    std::string name;
    std::string text;
  };
  std::vector<std::unique_ptr<Family>> families_;
  std::unordered_map<std::string_view, Family*> index_;
};

Labels with(Labels base, std::initializer_list<std::pair<std::string_view, std::string_view>> more) {
  for (const auto& [name, value] : more) base.push_back(name, value);
  return base;
}

// The allow-listed container label keys with the label name each is exported as. A key whose
// name an earlier key has already taken is left out (agentd's config refuses such lists; this
// is the renderer's own guard): a series with two labels of one name is refused by Prometheus.
struct ExportedLabel {
  std::string key;
  std::string name;
};
std::vector<ExportedLabel> exportedLabels(const std::vector<std::string>& allowlist) {
  std::vector<ExportedLabel> out;
  for (const auto& key : allowlist) {
    std::string name = labelName(key);
    bool taken = false;
    for (const auto& e : out) taken = taken || e.name == name;
    if (!taken && isValidLabelName(name)) out.push_back({key, std::move(name)});
  }
  return out;
}

void renderCgroup(Families& f, const CgroupSample& s, const std::vector<ExportedLabel>& containerLabels,
                  const Snapshot& snapshot) {
  const int64_t takenAtUnixMs = snapshot.takenAtUnixMs;
  // cAdvisor's label is the device's name; a device sysfs does not name shows as major:minor.
  auto deviceName = [&](uint32_t major, uint32_t minor) {
    auto found = snapshot.blockDevices.find({major, minor});
    return found != snapshot.blockDevices.end() ? found->second : std::to_string(major) + ":" + std::to_string(minor);
  };
  Labels labels = {{"id", s.path}, {"name", s.name}, {"image", s.image}};
  for (const auto& [key, name] : containerLabels) {
    auto found = s.labels.find(key);
    labels.push_back(name, found == s.labels.end() ? std::string_view() : std::string_view(found->second));
  }
  auto emit = [&](const char* name, const char* help, MetricType type, const std::optional<uint64_t>& v,
                  double scale = 1.0) {
    if (v) f.add(name, help, type, labels, static_cast<double>(*v) * scale);
  };
  const auto& cpu = s.stats.cpu;
  if (cpu.usageNs) {
    f.add("container_cpu_usage_seconds_total", "Cumulative CPU time consumed, seconds.", kCounter,
          with(labels, {{"cpu", "total"}}), static_cast<double>(*cpu.usageNs) / 1e9);
  }
  emit("container_cpu_user_seconds_total", "Cumulative user CPU time, seconds.", kCounter, cpu.userNs, 1e-9);
  emit("container_cpu_system_seconds_total", "Cumulative system CPU time, seconds.", kCounter, cpu.systemNs, 1e-9);
  emit("container_cpu_cfs_periods_total", "Elapsed enforcement periods.", kCounter, cpu.periods);
  emit("container_cpu_cfs_throttled_periods_total", "Periods in which the group was throttled.", kCounter,
       cpu.throttledPeriods);
  emit("container_cpu_cfs_throttled_seconds_total", "Total time the group was throttled, seconds.", kCounter,
       cpu.throttledNs, 1e-9);

  const auto& mem = s.stats.memory;
  emit("container_memory_usage_bytes", "Current memory usage, including page cache, bytes.", kGauge, mem.usageBytes);
  emit("container_memory_working_set_bytes", "Memory usage minus inactive file cache, bytes.", kGauge,
       mem.workingSetBytes);
  emit("container_memory_rss", "Anonymous and swap cache memory, bytes.", kGauge, mem.rssBytes);
  emit("container_memory_cache", "Page cache memory, bytes.", kGauge, mem.cacheBytes);
  emit("container_memory_swap", "Swap usage, bytes.", kGauge, mem.swapBytes);
  emit("container_memory_max_usage_bytes", "Maximum memory usage recorded, bytes.", kGauge, mem.maxUsageBytes);
  // cAdvisor's name; typed gauge because promtool wants counters to end in _total.
  emit("container_memory_failcnt", "Times memory usage hit the limit (only grows).", kGauge, mem.failcnt);
  // cAdvisor's stays 0 on many hosts; ours counts the kernel's oom_kill.
  emit("container_oom_events_total", "OOM kills in the group.", kCounter, mem.oomKills);

  emit("container_threads", "Tasks in the group (pids.current).", kGauge, s.stats.pids.current);
  if (s.stats.pids.max) {
    f.add("container_threads_max", "Maximum tasks (pids.max); 0 for unlimited.", kGauge, labels,
          static_cast<double>(s.stats.pids.max->value.value_or(0)));
  }
  if (s.classification.runtime != Runtime::Root) {
    f.add("container_processes", "Processes in the group and below it.", kGauge, labels,
          static_cast<double>(s.processes));
  }

  for (const auto& io : s.stats.io) {
    Labels dev = with(labels, {{"device", deviceName(io.major, io.minor)}});
    auto ioEmit = [&](const char* name, const char* help, const std::optional<uint64_t>& v) {
      if (v) f.add(name, help, kCounter, dev, static_cast<double>(*v));
    };
    ioEmit("container_fs_reads_bytes_total", "Bytes read, per block device.", io.readBytes);
    ioEmit("container_fs_writes_bytes_total", "Bytes written, per block device.", io.writeBytes);
    ioEmit("container_fs_reads_total", "Reads completed, per block device.", io.readOps);
    ioEmit("container_fs_writes_total", "Writes completed, per block device.", io.writeOps);
  }

  // cAdvisor's names and help; sampled apart from the cycle (LayerUsageSampler).
  if (const auto& layer = s.writableLayer) {
    Labels dev = with(labels, {{"device", layer->device}});
    f.add("container_fs_usage_bytes", "Number of bytes that are consumed by the container on this filesystem.", kGauge,
          dev, static_cast<double>(layer->usageBytes));
    f.add("container_fs_limit_bytes", "Number of bytes that can be consumed by the container on this filesystem.",
          kGauge, dev, static_cast<double>(layer->limitBytes));
  }

  for (const auto& net : s.network) {
    Labels nic = with(labels, {{"interface", net.interface}});
    auto n = [&](const char* name, const char* help, uint64_t v) {
      f.add(name, help, kCounter, nic, static_cast<double>(v));
    };
    n("container_network_receive_bytes_total", "Bytes received.", net.rxBytes);
    n("container_network_receive_packets_total", "Packets received.", net.rxPackets);
    n("container_network_receive_errors_total", "Errors while receiving.", net.rxErrors);
    n("container_network_receive_packets_dropped_total", "Packets dropped while receiving.", net.rxDropped);
    n("container_network_transmit_bytes_total", "Bytes sent.", net.txBytes);
    n("container_network_transmit_packets_total", "Packets sent.", net.txPackets);
    n("container_network_transmit_errors_total", "Errors while sending.", net.txErrors);
    n("container_network_transmit_packets_dropped_total", "Packets dropped while sending.", net.txDropped);
  }

  auto pressure = [&](const char* resource, const std::optional<cgroup::PressureStats>& p) {
    if (!p) return;
    std::string base = std::string("container_pressure_") + resource;
    if (p->someTotalUs) {
      f.add(base + "_waiting_seconds_total", std::string("Time some tasks waited for ") + resource + ", seconds.",
            kCounter, labels, static_cast<double>(*p->someTotalUs) / 1e6);
    }
    if (p->fullTotalUs) {
      f.add(base + "_stalled_seconds_total", std::string("Time all tasks stalled on ") + resource + ", seconds.",
            kCounter, labels, static_cast<double>(*p->fullTotalUs) / 1e6);
    }
  };
  pressure("cpu", s.stats.cpuPressure);
  pressure("memory", s.stats.memoryPressure);
  pressure("io", s.stats.ioPressure);

  if (s.classification.runtime != Runtime::Root) {
    const auto& l = s.limits;
    if (l.cpu) {
      if (l.cpu->quotaUs.value) {
        f.add("container_spec_cpu_quota", "CPU quota per period, microseconds.", kGauge, labels,
              static_cast<double>(*l.cpu->quotaUs.value));
      }
      f.add("container_spec_cpu_period", "CPU period, microseconds.", kGauge, labels,
            static_cast<double>(l.cpu->periodUs));
    }
    if (l.cpuShares) {
      f.add("container_spec_cpu_shares", "CPU shares (v1 semantics).", kGauge, labels,
            static_cast<double>(*l.cpuShares));
    }
    if (l.memoryMax) {
      f.add("container_spec_memory_limit_bytes", "Memory limit, bytes; 0 for unlimited.", kGauge, labels,
            static_cast<double>(l.memoryMax->value.value_or(0)));
    }
    if (l.swapMax) {
      f.add("container_spec_memory_swap_limit_bytes", "Swap limit, bytes; 0 for unlimited.", kGauge, labels,
            static_cast<double>(l.swapMax->value.value_or(0)));
    }
    if (s.startTimeSeconds > 0) {
      f.add("container_start_time_seconds", "Start time of the container, Unix seconds.", kGauge, labels,
            s.startTimeSeconds);
    }
  }
  f.add("container_last_seen", "Last time the container was seen by the agent, Unix seconds.", kGauge, labels,
        static_cast<double>(takenAtUnixMs) / 1000.0);

  if (s.freezer && s.classification.runtime != Runtime::Root) {
    f.add("agent_container_frozen", "1 while the container's cgroup is frozen.", kGauge,
          {{"id", s.path}, {"name", s.name}}, *s.freezer == cgroup::FreezerState::Thawed ? 0 : 1);
  }
  for (const auto& n : s.namespaces) {
    if (n.type == "pid_for_children" || n.type == "time_for_children") continue;
    f.add("agent_container_namespace", "The namespaces of the container's processes (1 per type and inode).", kGauge,
          {{"id", s.path}, {"name", s.name}, {"type", n.type}, {"inode", std::to_string(n.inode)}}, 1);
  }
}

}  // namespace

std::string renderMetrics(const Snapshot& snapshot, const RenderOptions& options) {
  Families f;
  auto containerLabels = exportedLabels(options.labelAllowlist);
  for (const auto& sample : snapshot.cgroups) renderCgroup(f, sample, containerLabels, snapshot);
  if (snapshot.agentContainers) {
    for (const auto& [id, c] : *snapshot.agentContainers) {
      f.add("agent_container_state", "1 for the current state of each agent container.", kGauge,
            {{"id", c.cgroupPath}, {"name", c.name}, {"state", c.state}}, 1);
    }
  }
  f.add("machine_cpu_cores", "Logical CPUs of the host.", kGauge, {}, snapshot.machineCpuCores);
  f.add("machine_memory_bytes", "Memory of the host, bytes.", kGauge, {},
        static_cast<double>(snapshot.machineMemoryBytes));
  f.add("agent_build_info", "The agent's version and this host's cgroup mode.", kGauge,
        {{"version", options.version}, {"cgroup_mode", snapshot.cgroupMode}}, 1);
  f.add("agent_cgroups", "Cgroups on the host, as the inventory knows them (not the agent's standby containers).",
        kGauge, {}, static_cast<double>(snapshot.cgroupsOnHost));
  f.add("agent_standby_containers",
        "Containers the agent keeps prepared for its next runs (not containers yet, never exported as ones).", kGauge,
        {}, static_cast<double>(snapshot.standbyContainers));
  if (!snapshot.durationBounds.empty()) {
    std::string& out =
        f.get("agent_collection_duration_seconds", "Time one collection cycle took, seconds.", MetricType::Histogram);
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= snapshot.durationBounds.size(); ++i) {
      cumulative += snapshot.durationCounts[i];
      out += "agent_collection_duration_seconds_bucket{le=\"";
      if (i < snapshot.durationBounds.size())
        appendValue(out, snapshot.durationBounds[i]);
      else
        out += "+Inf";
      out += "\"} ";
      out += std::to_string(cumulative);
      out += '\n';
    }
    out += "agent_collection_duration_seconds_sum ";
    appendValue(out, snapshot.durationSum);
    out += "\nagent_collection_duration_seconds_count ";
    out += std::to_string(cumulative);
    out += '\n';
  }
  return f.take();
}

}  // namespace agent::collectors
