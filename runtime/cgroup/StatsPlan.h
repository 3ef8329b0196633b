#pragma once
// Stats are read by following a plan: the list of control files a group's layout needs and
// the parser each one feeds. Backends write the plan once per group (they know the files of
// their version); Cgroup executes it on every read, with no decisions left on the hot path.
#include <span>
#include <string_view>
#include <vector>

#include "Error.h"
#include "FileAt.h"
#include "Stats.h"

namespace agent::cgroup {

struct StatsStep {
  const Dir* dir;
  const char* file;
  void (*parse)(std::string_view text, Stats& out);
  bool optional;  // a file the kernel may lack (older kernel, accounting off): stays empty
};

using StatsPlan = std::vector<StatsStep>;

// Reads one step into `out`. A missing optional file is not an error; anything else is,
// with isGone() true when the group vanished.
Result<void> executeStep(const StatsStep& step, Stats& out, std::span<char> buffer);

// Values computed from several files, once all steps ran.
void finishStats(Stats& out);

}  // namespace agent::cgroup
