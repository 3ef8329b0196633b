#include "Enforcer.h"

#include "Quantity.h"

namespace agent::policies {

namespace {

std::string bytes(uint64_t value) {
  return formatMemory(cgroup::Bound::of(value));
}

}  // namespace

Result<std::vector<Change>> enforce(const cgroup::Cgroup& group, const LimitSet& desired, bool write) {
  auto actualLimits = group.readLimits();
  if (!actualLimits) return tl::unexpected(actualLimits.error());
  LimitSet actual = fromCgroupLimits(*actualLimits);
  std::vector<Change> changes;
  for (Resource r : kResources) {
    if (!desired.has(r)) continue;
    Change change{r, actual.format(r), actual.format(r), false, "", ""};
    bool differs = r == Resource::Cpu      ? desired.cpu != actual.cpu
                   : r == Resource::Memory ? desired.memory != actual.memory
                                           : desired.pids != actual.pids;
    if (!differs || !write) {
      if (differs) change.after = desired.format(r);  // what a write would make it
      changes.push_back(std::move(change));
      continue;
    }
    // Lowering memory below usage makes the kernel reclaim first, and on v2 OOM-kill if it
    // cannot; v1 refuses (EBUSY) instead. Say which happened.
    cgroup::Stats before;
    bool lowering = r == Resource::Memory && desired.memory->value && group.readStats(before) &&
                    before.memory.usageBytes && *before.memory.usageBytes > *desired.memory->value;
    auto written = group.applyLimits(toCgroupLimits(desired.only(r)));
    if (!written) {
      change.error = written.error().message();
      if (lowering && written.error().errnum == EBUSY) {
        change.error = "the kernel could not reclaim enough memory to bring usage (" +
                       bytes(*before.memory.usageBytes) + ") under " + desired.format(r) + "; the limit stays " +
                       change.before;
      }
    } else {
      change.written = true;
      change.after = desired.format(r);
      // The kernel rounds a memory limit down to whole pages: show what it took.
      if (r == Resource::Memory) {
        if (auto now = group.readLimits()) change.after = fromCgroupLimits(*now).format(r);
      }
      cgroup::Stats after;
      if (lowering && group.readStats(after) && after.memory.usageBytes) {
        bool under = *after.memory.usageBytes <= *desired.memory->value;
        // What cannot be reclaimed without swap (tmpfs, shared memory) stays charged: v2
        // takes the limit anyway, and the group can then only shrink.
        change.note = "usage " + bytes(*before.memory.usageBytes) + " -> " + bytes(*after.memory.usageBytes) +
                      (under ? " (the kernel reclaimed memory)"
                             : " (the kernel could not reclaim enough: the group stays above its limit until "
                               "it frees memory)");
        if (before.memory.oomKills && after.memory.oomKills && *after.memory.oomKills > *before.memory.oomKills) {
          change.note +=
              "; " + std::to_string(*after.memory.oomKills - *before.memory.oomKills) + " process(es) OOM-killed";
        }
      }
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

}  // namespace agent::policies
