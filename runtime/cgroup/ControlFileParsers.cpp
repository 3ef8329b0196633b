#include "ControlFileParsers.h"

#include <algorithm>

#include "KernelLimits.h"
#include "TextParse.h"

namespace agent::cgroup {

using text::forEachKeyValue;
using text::toU64;
using text::trim;

namespace {
// USER_HZ is fixed at 100 by the kernel's user-space ABI, whatever CONFIG_HZ is.
constexpr uint64_t kNsPerUserHzTick = 10'000'000;

IoDeviceStats& deviceEntry(std::vector<IoDeviceStats>& devices, uint32_t major, uint32_t minor) {
  for (auto& d : devices)
    if (d.major == major && d.minor == minor) return d;
  devices.push_back(IoDeviceStats{major, minor, {}, {}, {}, {}});
  return devices.back();
}

// "8:16" -> (8, 16).
bool parseDevice(std::string_view field, uint32_t& major, uint32_t& minor) {
  size_t colon = field.find(':');
  if (colon == std::string_view::npos) return false;
  auto ma = toU64(field.substr(0, colon)), mi = toU64(field.substr(colon + 1));
  if (!ma || !mi) return false;
  major = static_cast<uint32_t>(*ma);
  minor = static_cast<uint32_t>(*mi);
  return true;
}

void parseBlkio(std::string_view text, std::vector<IoDeviceStats>& out, bool bytes) {
  while (!text.empty()) {
    std::string_view line = text::nextLine(text);
    std::string_view device = text::nextField(line);
    std::string_view op = text::nextField(line);
    auto value = toU64(line);
    uint32_t major, minor;
    // The closing "Total N" line has no device.
    if (!value || !parseDevice(device, major, minor)) continue;
    auto& entry = deviceEntry(out, major, minor);
    if (op == "Read") (bytes ? entry.readBytes : entry.readOps) = *value;
    if (op == "Write") (bytes ? entry.writeBytes : entry.writeOps) = *value;
  }
}
}  // namespace

std::optional<Bound> parseMaxOrNumber(std::string_view text) {
  text = trim(text);
  if (text == "max") return Bound::unlimited();
  if (auto v = toU64(text)) return Bound::of(*v);
  return std::nullopt;
}

std::optional<Bound> parseV1ByteLimit(std::string_view text, uint64_t pageSize) {
  text = trim(text);
  if (text == "-1") return Bound::unlimited();
  auto v = toU64(text);
  if (!v) return std::nullopt;
  return memoryLimitFromBytes(*v, pageSize);
}

std::optional<Bound> parseV1CfsQuota(std::string_view text) {
  auto v = text::toI64(text);
  if (!v) return std::nullopt;
  if (*v < 0) return Bound::unlimited();
  return Bound::of(static_cast<uint64_t>(*v));
}

std::optional<CpuQuota> parseCpuMax(std::string_view text) {
  std::string_view quota = text::nextField(text);
  auto period = toU64(text);
  auto bound = parseMaxOrNumber(quota);
  if (!bound || !period) return std::nullopt;
  return CpuQuota{*bound, *period};
}

void parseCpuStatV1(std::string_view text, CpuStats& out) {
  forEachKeyValue(text, [&](std::string_view key, uint64_t value) {
    if (key == "nr_periods")
      out.periods = value;
    else if (key == "nr_throttled")
      out.throttledPeriods = value;
    else if (key == "throttled_time")
      out.throttledNs = value;
  });
}

void parseCpuacctStat(std::string_view text, CpuStats& out) {
  forEachKeyValue(text, [&](std::string_view key, uint64_t value) {
    if (key == "user")
      out.userNs = value * kNsPerUserHzTick;
    else if (key == "system")
      out.systemNs = value * kNsPerUserHzTick;
  });
}

void parseCpuStatV2(std::string_view text, CpuStats& out) {
  forEachKeyValue(text, [&](std::string_view key, uint64_t value) {
    if (key == "usage_usec")
      out.usageNs = value * 1000;
    else if (key == "user_usec")
      out.userNs = value * 1000;
    else if (key == "system_usec")
      out.systemNs = value * 1000;
    else if (key == "nr_periods")
      out.periods = value;
    else if (key == "nr_throttled")
      out.throttledPeriods = value;
    else if (key == "throttled_usec")
      out.throttledNs = value * 1000;
  });
}

void parseMemoryStatV1(std::string_view text, MemoryStats& out) {
  forEachKeyValue(text, [&](std::string_view key, uint64_t value) {
    if (key == "total_rss")
      out.rssBytes = value;
    else if (key == "total_cache")
      out.cacheBytes = value;
    else if (key == "total_inactive_file")
      out.inactiveFileBytes = value;
    else if (key == "total_swap")
      out.swapBytes = value;
  });
}

void parseMemoryStatV2(std::string_view text, MemoryStats& out) {
  forEachKeyValue(text, [&](std::string_view key, uint64_t value) {
    if (key == "anon")
      out.rssBytes = value;
    else if (key == "file")
      out.cacheBytes = value;
    else if (key == "inactive_file")
      out.inactiveFileBytes = value;
  });
}

void parseOomControl(std::string_view text, MemoryStats& out) {
  forEachKeyValue(text, [&](std::string_view key, uint64_t value) {
    if (key == "oom_kill") out.oomKills = value;
  });
}

void parseMemoryEvents(std::string_view text, MemoryStats& out) {
  forEachKeyValue(text, [&](std::string_view key, uint64_t value) {
    if (key == "max")
      out.failcnt = value;
    else if (key == "oom_kill")
      out.oomKills = value;
  });
}

void deriveWorkingSet(MemoryStats& out) {
  if (!out.usageBytes) return;
  uint64_t inactive = out.inactiveFileBytes.value_or(0);
  out.workingSetBytes = *out.usageBytes > inactive ? *out.usageBytes - inactive : 0;
}

void parseBlkioBytes(std::string_view text, std::vector<IoDeviceStats>& out) {
  parseBlkio(text, out, true);
}
void parseBlkioOps(std::string_view text, std::vector<IoDeviceStats>& out) {
  parseBlkio(text, out, false);
}

void parseIoStat(std::string_view text, std::vector<IoDeviceStats>& out) {
  // Kernels 5.15 to 5.17 wrote the device name before knowing whether it had stats and ended
  // the line only after stats, so devices without any run into the next one's line:
  // "7:7 7:6 7:5 7:4 rbytes=28672 wbytes=0 ..." (fixed by "blk-cgroup: always terminate
  // io.stat lines"). The pairs belong to the device named last before them; the others had
  // none. So: every device name starts a new device, every key=value goes to the latest.
  while (!text.empty()) {
    std::string_view line = text::nextLine(text);
    IoDeviceStats* entry = nullptr;
    for (auto field = text::nextField(line); !field.empty(); field = text::nextField(line)) {
      size_t eq = field.find('=');
      if (eq == std::string_view::npos) {
        uint32_t major, minor;
        entry = parseDevice(field, major, minor) ? &deviceEntry(out, major, minor) : nullptr;
        continue;
      }
      auto value = toU64(field.substr(eq + 1));
      if (entry == nullptr || !value) continue;
      auto key = field.substr(0, eq);
      if (key == "rbytes")
        entry->readBytes = *value;
      else if (key == "wbytes")
        entry->writeBytes = *value;
      else if (key == "rios")
        entry->readOps = *value;
      else if (key == "wios")
        entry->writeOps = *value;
    }
  }
  // A device that was named but had no pairs has nothing to export.
  out.erase(
      std::remove_if(out.begin(), out.end(),
                     [](const IoDeviceStats& d) { return !d.readBytes && !d.writeBytes && !d.readOps && !d.writeOps; }),
      out.end());
}

std::optional<PressureStats> parsePressure(std::string_view text) {
  PressureStats stats;
  bool any = false;
  while (!text.empty()) {
    std::string_view line = text::nextLine(text);
    std::string_view kind = text::nextField(line);
    for (auto pair = text::nextField(line); !pair.empty(); pair = text::nextField(line)) {
      if (pair.substr(0, 6) != "total=") continue;
      auto value = toU64(pair.substr(6));
      if (!value) continue;
      if (kind == "some")
        stats.someTotalUs = *value, any = true;
      else if (kind == "full")
        stats.fullTotalUs = *value, any = true;
    }
  }
  if (!any) return std::nullopt;
  return stats;
}

std::string_view freezerStateName(FreezerState state) {
  switch (state) {
    case FreezerState::Thawed:
      return "thawed";
    case FreezerState::Freezing:
      return "freezing";
    case FreezerState::Frozen:
      return "frozen";
  }
  return "unknown";
}

std::optional<FreezerState> parseV1FreezerState(std::string_view text) {
  text = trim(text);
  if (text == "THAWED") return FreezerState::Thawed;
  if (text == "FREEZING") return FreezerState::Freezing;
  if (text == "FROZEN") return FreezerState::Frozen;
  return std::nullopt;
}

CgroupEvents parseCgroupEvents(std::string_view text) {
  CgroupEvents events;
  forEachKeyValue(text, [&](std::string_view key, uint64_t value) {
    if (key == "populated")
      events.populated = value != 0;
    else if (key == "frozen")
      events.frozen = value != 0;
  });
  return events;
}

}  // namespace agent::cgroup
