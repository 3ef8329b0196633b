#pragma once
// Pure parsers for cgroup control files: text in, typed values out, no I/O, so tests feed
// them text captured from real kernels. Unknown keys are ignored: kernels add keys often.
#include <optional>
#include <string_view>
#include <vector>

#include "Stats.h"

namespace agent::cgroup {

// "max" or a number (v2 limits, pids.max on both versions).
std::optional<Bound> parseMaxOrNumber(std::string_view text);
// A v1 byte limit: "-1", or a number where the kernel's cap for `pageSize` (PAGE_COUNTER_MAX
// pages: 9223372036854771712 with 4 KiB pages) and above mean no limit (KernelLimits.h).
std::optional<Bound> parseV1ByteLimit(std::string_view text, uint64_t pageSize);
// v2 cpu.max: "max 100000" or "50000 100000".
std::optional<CpuQuota> parseCpuMax(std::string_view text);
// v1 cpu.cfs_quota_us: "-1" or a number.
std::optional<Bound> parseV1CfsQuota(std::string_view text);

// v1 cpu.stat: nr_periods, nr_throttled, throttled_time (ns).
void parseCpuStatV1(std::string_view text, CpuStats& out);
// v1 cpuacct.stat: user/system in USER_HZ ticks.
void parseCpuacctStat(std::string_view text, CpuStats& out);
// v2 cpu.stat: usage_usec, user_usec, system_usec, nr_periods, nr_throttled, throttled_usec.
void parseCpuStatV2(std::string_view text, CpuStats& out);

// v1 memory.stat: the hierarchical total_* keys (as cAdvisor and runc read them).
void parseMemoryStatV1(std::string_view text, MemoryStats& out);
// v2 memory.stat: anon, file, inactive_file (hierarchical by nature).
void parseMemoryStatV2(std::string_view text, MemoryStats& out);
// v1 memory.oom_control: oom_kill.
void parseOomControl(std::string_view text, MemoryStats& out);
// v2 memory.events: max (as failcnt), oom_kill.
void parseMemoryEvents(std::string_view text, MemoryStats& out);
// usage - inactive_file, floored at 0, when both are known.
void deriveWorkingSet(MemoryStats& out);

// v1 blkio.throttle.io_service_bytes(_recursive) and io_serviced(_recursive):
// "8:0 Read 4096" lines; merged by device into `out`.
void parseBlkioBytes(std::string_view text, std::vector<IoDeviceStats>& out);
void parseBlkioOps(std::string_view text, std::vector<IoDeviceStats>& out);
// v2 io.stat: "8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0".
void parseIoStat(std::string_view text, std::vector<IoDeviceStats>& out);

// v2 *.pressure: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and a "full" line.
std::optional<PressureStats> parsePressure(std::string_view text);

enum class FreezerState { Thawed, Freezing, Frozen };
std::string_view freezerStateName(FreezerState state);  // "thawed", "freezing", "frozen"
// v1 freezer.state: THAWED, FREEZING, FROZEN.
std::optional<FreezerState> parseV1FreezerState(std::string_view text);

// v2 cgroup.events: "populated 1\nfrozen 0".
struct CgroupEvents {
  std::optional<bool> populated, frozen;
};
CgroupEvents parseCgroupEvents(std::string_view text);

}  // namespace agent::cgroup
