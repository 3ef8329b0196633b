#include "Enforcer.h"

#include "KernelLimits.h"
#include "LimitRefusal.h"
#include "Quantity.h"

namespace agent::policies {

namespace {

std::string bytes(uint64_t value) {
  return formatMemory(cgroup::Bound::of(value));
}

// Says how the kernel holds a memory limit when that is not what was asked for.
std::string roundingNote(const LimitSet& desired, const LimitSet& kernel, uint64_t pageSize) {
  if (!desired.memoryMax || !kernel.memoryMax || *desired.memoryMax == *kernel.memoryMax) return "";
  if (kernel.memoryMax->isUnlimited()) {
    return desired.format(Resource::Memory) + " is at or above the kernel's cap on memory limits (" +
           std::to_string(cgroup::memoryUnlimitedBytes(pageSize)) + " bytes): no limit";
  }
  return "the kernel keeps whole " + std::to_string(pageSize) + "-byte pages: " + desired.format(Resource::Memory) +
         " is held as " + kernel.format(Resource::Memory) + " (" + std::to_string(*kernel.memoryMax->value) + " bytes)";
}

void addNote(Change& change, const std::string& note) {
  if (note.empty()) return;
  change.note += (change.note.empty() ? "" : "; ") + note;
}

// Writes `change.resource` as the kernel will hold it (`kernel`) and fills in what happened.
void writeOne(const LimitFiles& group, const LimitSet& desired, const LimitSet& kernel, const cgroup::Limits& actual,
              Change& change) {
  Resource r = change.resource;
  // Lowering memory below usage makes the kernel reclaim first, and on v2 OOM-kill if it
  // cannot; v1 refuses (EBUSY) instead. Say which happened.
  cgroup::Stats before;
  bool lowering = r == Resource::Memory && kernel.memoryMax->value && group.readStats(before) &&
                  before.memory.usageBytes && *before.memory.usageBytes > *kernel.memoryMax->value;
  auto written = group.applyLimits(toCgroupLimits(kernel.only(r)));
  if (!written) {
    Refusal refusal{r, desired.format(r), change.before, written.error(), actual, std::nullopt, std::nullopt};
    if (r == Resource::Cpu && written.error().errnum == EINVAL) {
      refusal.cpuConflict = group.cpuQuotaConflict(*kernel.cpu);
    }
    if (lowering) refusal.memoryUsageBytes = before.memory.usageBytes;
    change.error = describeRefusal(refusal);
    return;
  }
  change.written = true;
  change.after = kernel.format(r);
  addNote(change, roundingNote(desired, kernel, group.pageSize()));
  // cgroup v2 takes a quota above an ancestor's (v1 refuses it): say who caps it in effect.
  if (r == Resource::Cpu && group.versionOf(cgroup::Controller::Cpu) == cgroup::CgroupVersion::V2) {
    if (auto cap = group.cappingAncestor(*kernel.cpu)) {
      addNote(change, std::string(cap->adjacent ? "the parent " : "the ancestor ") + cap->cgroupPath + " holds " +
                          formatCpu(cap->quota) + " (cpu.max): the group gets at most that in effect");
    }
  }
  cgroup::Stats after;
  if (lowering && group.readStats(after) && after.memory.usageBytes) {
    bool under = *after.memory.usageBytes <= *kernel.memoryMax->value;
    // What cannot be reclaimed without swap (tmpfs, shared memory) stays charged: v2
    // takes the limit anyway, and the group can then only shrink.
    std::string note = "usage " + bytes(*before.memory.usageBytes) + " -> " + bytes(*after.memory.usageBytes) +
                       (under ? " (the kernel reclaimed memory)"
                              : " (the kernel could not reclaim enough: the group stays above its limit until "
                                "it frees memory)");
    if (before.memory.oomKills && after.memory.oomKills && *after.memory.oomKills > *before.memory.oomKills) {
      note += "; " + std::to_string(*after.memory.oomKills - *before.memory.oomKills) + " process(es) OOM-killed";
    }
    addNote(change, note);
  }
}

}  // namespace

Result<std::vector<Change>> enforce(const cgroup::Cgroup& group, const LimitSet& desired, bool write) {
  return enforce(CgroupLimitFiles(group), desired, write);
}

Result<std::vector<Change>> enforce(const LimitFiles& group, const LimitSet& desired, bool write) {
  auto actualLimits = group.readLimits();
  if (!actualLimits) return tl::unexpected(actualLimits.error());
  LimitSet actual = fromCgroupLimits(*actualLimits);
  std::vector<Change> changes;
  for (Resource r : kResources) {
    if (!desired.has(r)) continue;
    Change change{r, "", "", false, "", "", false};
    if (auto why = group.whyNoLimit(controllerOf(r))) {
      change.error = *why + ", so it takes no " + std::string(resourceName(r)) + " limit";
      change.unavailable = true;
      changes.push_back(std::move(change));
      continue;
    }
    change.before = change.after = actual.format(r);
    auto kernel = kernelForm(desired, r, group.pageSize());
    if (!kernel) {
      change.error = desired.format(r) + " is not a value the kernel takes: " + kernel.error().action + "; " +
                     std::string(resourceName(r)) + " stays " + change.before;
      changes.push_back(std::move(change));
      continue;
    }
    if (sameLimit(*kernel, actual, r) || !write) {
      if (!sameLimit(*kernel, actual, r)) change.after = kernel->format(r);  // what a write would make it
      addNote(change, roundingNote(desired, *kernel, group.pageSize()));
      changes.push_back(std::move(change));
      continue;
    }
    writeOne(group, desired, *kernel, *actualLimits, change);
    changes.push_back(std::move(change));
  }
  // What the kernel holds now, read back: the value shown is the kernel's, not ours.
  bool anyWritten = false;
  for (const auto& c : changes) anyWritten = anyWritten || c.written;
  if (!anyWritten) return changes;
  auto now = group.readLimits();
  if (!now) return changes;
  LimitSet held = fromCgroupLimits(*now);
  for (auto& c : changes) {
    if (!c.written) continue;
    c.after = held.format(c.resource);
    // v1: memory `max` lifts memory+swap too (V1MemoryWrites.h).
    if (c.resource == Resource::Memory && actualLimits->memoryAndSwapMax && now->memoryAndSwapMax &&
        *actualLimits->memoryAndSwapMax != *now->memoryAndSwapMax) {
      addNote(c, "memory+swap limit (memory.memsw.limit_in_bytes) " + formatMemory(*actualLimits->memoryAndSwapMax) +
                     " -> " + formatMemory(*now->memoryAndSwapMax) +
                     ": a group without a memory limit has none on memory+swap either");
    }
  }
  return changes;
}

}  // namespace agent::policies
