#pragma once
// A process's start as Unix time. The kernel gives it in clock ticks since boot (field 22 of
// /proc/<pid>/stat), and the boot time in whole Unix seconds (`btime` in /proc/stat); `ps`
// adds the two the same way. Both are fixed for the life of the process and of the boot, so
// the sum does not move when it is read again (by a restarted agentd); it moves only if the
// system clock is stepped, as btime does. btime is whole seconds: the sum can be up to a
// second earlier than the wall clock was when the process started.
#include <cstdint>
#include <optional>
#include <string_view>

namespace agent::proc {

// The `btime` line of /proc/stat: the boot time, Unix seconds.
std::optional<int64_t> parseBootTimeSeconds(std::string_view procStat);

struct BootClock {
  int64_t bootTimeSeconds = 0;
  long ticksPerSecond = 100;  // sysconf(_SC_CLK_TCK), USER_HZ
  // Field 22 of /proc/<pid>/stat as Unix seconds.
  double unixSecondsOf(uint64_t startTimeTicks) const;
};

}  // namespace agent::proc
