// Any snapshot the collector could hand over, with arbitrary bytes wherever a label value comes
// from (cgroup paths, names, images, label maps, interfaces, block devices, namespace types,
// the version and the cgroup mode) and an arbitrary label allow-list (colliding keys
// included): the rendered text must be valid text format, checked by the test-side validator
// (tests/unit/TextFormatValidator): valid UTF-8, label names Prometheus accepts, no label name
// twice in a series, only valid escapes, every line parsing, no series twice.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "MetricsRenderer.h"
#include "TextFormatValidator.h"

using namespace agent;
using namespace agent::collectors;

namespace {

std::string text(FuzzedDataProvider& in, size_t max = 24) {
  return in.ConsumeRandomLengthString(max);
}

std::optional<uint64_t> maybe(FuzzedDataProvider& in) {
  if (!in.ConsumeBool()) return std::nullopt;
  return in.ConsumeIntegral<uint64_t>();
}

std::optional<cgroup::Bound> maybeBound(FuzzedDataProvider& in) {
  if (!in.ConsumeBool()) return std::nullopt;
  return in.ConsumeBool() ? cgroup::Bound::unlimited() : cgroup::Bound::of(in.ConsumeIntegral<uint64_t>());
}

CgroupSample sample(FuzzedDataProvider& in, const std::vector<std::string>& allowlist) {
  CgroupSample c;
  c.path = text(in, 64);
  c.classification.runtime = static_cast<Runtime>(in.ConsumeIntegralInRange<int>(0, 7));
  c.classification.id = text(in);
  c.classification.name = text(in);
  c.name = text(in);
  c.image = text(in);
  c.agentState = text(in, 12);
  for (size_t n = in.ConsumeIntegralInRange<size_t>(0, 4); n > 0; --n) {
    // Mostly keys the allow-list names, so that their values are exported.
    std::string key = !allowlist.empty() && in.ConsumeBool()
                          ? allowlist[in.ConsumeIntegralInRange<size_t>(0, allowlist.size() - 1)]
                          : text(in, 12);
    c.labels[key] = text(in);
  }
  auto& st = c.stats;
  st.cpu = {maybe(in), maybe(in), maybe(in), maybe(in), maybe(in), maybe(in)};
  st.memory.usageBytes = maybe(in);
  st.memory.workingSetBytes = maybe(in);
  st.memory.rssBytes = maybe(in);
  st.memory.oomKills = maybe(in);
  st.memory.failcnt = maybe(in);
  st.pids.current = maybe(in);
  st.pids.max = maybeBound(in);
  // One entry per device, as the parsers make them.
  std::set<std::pair<uint32_t, uint32_t>> devices;
  for (size_t n = in.ConsumeIntegralInRange<size_t>(0, 3); n > 0; --n) {
    cgroup::IoDeviceStats io{
        in.ConsumeIntegral<uint32_t>(), in.ConsumeIntegral<uint32_t>(), maybe(in), maybe(in), maybe(in), maybe(in)};
    if (devices.insert({io.major, io.minor}).second) st.io.push_back(io);
  }
  if (in.ConsumeBool()) st.cpuPressure = cgroup::PressureStats{maybe(in), maybe(in)};
  if (in.ConsumeBool()) st.ioPressure = cgroup::PressureStats{maybe(in), maybe(in)};
  if (in.ConsumeBool()) {
    auto quota = in.ConsumeBool() ? cgroup::Bound::unlimited() : cgroup::Bound::of(in.ConsumeIntegral<uint64_t>());
    c.limits.cpu = cgroup::CpuQuota{quota, in.ConsumeIntegral<uint64_t>()};
  }
  if (in.ConsumeBool()) c.limits.cpuShares = in.ConsumeIntegral<uint64_t>();
  c.limits.memoryMax = maybeBound(in);
  c.limits.swapMax = maybeBound(in);
  if (in.ConsumeBool()) c.freezer = static_cast<cgroup::FreezerState>(in.ConsumeIntegralInRange<int>(0, 2));
  c.processes = in.ConsumeIntegral<uint32_t>();
  // One entry per namespace type and per interface, as /proc shows them.
  std::set<std::string> types, interfaces;
  for (size_t n = in.ConsumeIntegralInRange<size_t>(0, 3); n > 0; --n) {
    ns::NamespaceId id{text(in, 12), in.ConsumeIntegral<uint64_t>()};
    if (types.insert(id.type).second) c.namespaces.push_back(id);
  }
  for (size_t n = in.ConsumeIntegralInRange<size_t>(0, 3); n > 0; --n) {
    proc::NetDevStats net;
    net.interface = text(in, 16);
    net.rxBytes = in.ConsumeIntegral<uint64_t>();
    net.txDropped = in.ConsumeIntegral<uint64_t>();
    if (interfaces.insert(net.interface).second) c.network.push_back(net);
  }
  c.startTimeSeconds = in.ConsumeFloatingPoint<double>();
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  RenderOptions options;
  options.version = text(in, 12);
  for (size_t n = in.ConsumeIntegralInRange<size_t>(0, 4); n > 0; --n) options.labelAllowlist.push_back(text(in, 16));

  Snapshot snapshot;
  snapshot.takenAtUnixMs = in.ConsumeIntegral<int64_t>();
  snapshot.cgroupMode = text(in, 8);
  snapshot.machineCpuCores = in.ConsumeIntegral<uint32_t>();
  snapshot.machineMemoryBytes = in.ConsumeIntegral<uint64_t>();
  snapshot.cgroupsOnHost = in.ConsumeIntegral<uint32_t>();
  snapshot.standbyContainers = in.ConsumeIntegral<uint8_t>();
  // Paths are unique in a snapshot (the inventory's keys).
  std::set<std::string> paths;
  for (size_t n = in.ConsumeIntegralInRange<size_t>(0, 6); n > 0 && in.remaining_bytes() > 0; --n) {
    CgroupSample c = sample(in, options.labelAllowlist);
    if (paths.insert(c.path).second) snapshot.cgroups.push_back(std::move(c));
  }
  // sysfs names each device once, as "/dev/<name>"; the others show as major:minor.
  std::set<std::string> names;
  for (const auto& c : snapshot.cgroups) {
    for (const auto& io : c.stats.io) {
      if (!in.ConsumeBool()) continue;
      std::string name = "/dev/" + text(in, 12);
      if (names.insert(name).second) snapshot.blockDevices.emplace(std::make_pair(io.major, io.minor), name);
    }
  }
  if (in.ConsumeBool()) {
    snapshot.durationBounds = {0.001, 0.01, 0.1, 1};
    for (size_t i = 0; i <= snapshot.durationBounds.size(); ++i)
      snapshot.durationCounts.push_back(in.ConsumeIntegral<uint16_t>());
    snapshot.durationSum = in.ConsumeFloatingPoint<double>();
  }

  std::string rendered = renderMetrics(snapshot, options);
  std::string problem = agent::testing::textFormatProblem(rendered);
  if (!problem.empty()) {
    std::fprintf(stderr, "invalid text format: %s\n--- rendered:\n%s\n", problem.c_str(), rendered.c_str());
    std::abort();
  }
  return 0;
}
