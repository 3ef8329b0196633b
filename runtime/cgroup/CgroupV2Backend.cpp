#include "CgroupV2Backend.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <string>

#include "KernelLimits.h"
#include "TextParse.h"

namespace agent::cgroup {

namespace {
using Clock = std::chrono::steady_clock;

constexpr char kCpuStat[] = "cpu.stat";
constexpr char kCpuMax[] = "cpu.max";
constexpr char kCpuWeight[] = "cpu.weight";
constexpr char kMemoryCurrent[] = "memory.current";
constexpr char kMemoryStat[] = "memory.stat";
constexpr char kMemoryPeak[] = "memory.peak";
constexpr char kMemoryEvents[] = "memory.events";
constexpr char kMemorySwapCurrent[] = "memory.swap.current";
constexpr char kMemoryMax[] = "memory.max";
constexpr char kMemoryHigh[] = "memory.high";
constexpr char kMemorySwapMax[] = "memory.swap.max";
constexpr char kIoStat[] = "io.stat";
constexpr char kCpuPressure[] = "cpu.pressure";
constexpr char kMemoryPressure[] = "memory.pressure";
constexpr char kIoPressure[] = "io.pressure";
constexpr char kCgroupFreeze[] = "cgroup.freeze";
constexpr char kCgroupEvents[] = "cgroup.events";
constexpr char kCgroupKill[] = "cgroup.kill";

std::string v2Value(const Bound& bound) {
  return bound.isUnlimited() ? "max" : std::to_string(*bound.value);
}

Result<void> writeBoundAt(const Dir& dir, const char* name, const std::optional<Bound>& bound) {
  if (!bound) return {};
  return writeFileAt(dir, name, v2Value(*bound));
}

Result<bool> selfFreezeRequested(const Dir& dir) {
  char buffer[16];
  auto text = readFileAt(dir, kCgroupFreeze, buffer);
  if (!text) return tl::unexpected(text.error());
  return text::trim(*text) == "1";
}
}  // namespace

void CgroupV2Backend::planCpuStats(const Dir& cpu, const Dir*, StatsPlan& plan) const {
  plan.push_back({&cpu, kCpuStat, [](std::string_view t, Stats& s) { parseCpuStatV2(t, s.cpu); }, false});
}

void CgroupV2Backend::planMemoryStats(const Dir& memory, StatsPlan& plan) const {
  plan.push_back(
      {&memory, kMemoryCurrent, [](std::string_view t, Stats& s) { s.memory.usageBytes = text::toU64(t); }, false});
  plan.push_back({&memory, kMemoryStat, [](std::string_view t, Stats& s) { parseMemoryStatV2(t, s.memory); }, false});
  plan.push_back({&memory, kMemoryEvents, [](std::string_view t, Stats& s) { parseMemoryEvents(t, s.memory); }, false});
  plan.push_back(
      {&memory, kMemorySwapCurrent, [](std::string_view t, Stats& s) { s.memory.swapBytes = text::toU64(t); }, true});
  plan.push_back(
      {&memory, kMemoryPeak, [](std::string_view t, Stats& s) { s.memory.maxUsageBytes = text::toU64(t); }, true});
}

void CgroupV2Backend::planPidsStats(const Dir& pids, StatsPlan& plan) const {
  planPidsFiles(pids, plan);
}

void CgroupV2Backend::planIoStats(const Dir& io, StatsPlan& plan) const {
  plan.push_back({&io, kIoStat, [](std::string_view t, Stats& s) { parseIoStat(t, s.io); }, false});
}

Result<void> CgroupV2Backend::readCpuLimits(const Dir& cpu, Limits& out, Buffer buffer) const {
  auto max = readFileAt(cpu, kCpuMax, buffer);
  if (!max) return tl::unexpected(max.error());
  out.cpu = parseCpuMax(*max);
  if (!out.cpu) return logicError("parse", cpu.pathOf(kCpuMax));
  auto weight = readFileAt(cpu, kCpuWeight, buffer);
  if (!weight) return tl::unexpected(weight.error());
  if (auto w = text::toU64(*weight)) out.cpuShares = weightToShares(*w);
  return {};
}

Result<void> CgroupV2Backend::writeCpuLimits(const Dir& cpu, const Limits& limits) const {
  if (limits.cpu) {
    auto written = writeFileAt(cpu, kCpuMax, v2Value(limits.cpu->quotaUs) + " " + std::to_string(limits.cpu->periodUs));
    if (!written) return written;
  }
  if (limits.cpuShares) {
    // sharesToWeight stays within 1..10000; anything else the kernel refuses with ERANGE.
    auto weight = normalizeCpuWeight(sharesToWeight(normalizeCpuShares(*limits.cpuShares)));
    if (!weight) return logicError("set cpu.weight (" + weight.error().action + ") in", cpu.pathOf(kCpuWeight), ERANGE);
    return writeFileAt(cpu, kCpuWeight, std::to_string(*weight));
  }
  return {};
}

Result<void> CgroupV2Backend::readMemoryLimits(const Dir& memory, Limits& out, Buffer buffer, uint64_t) const {
  auto max = readFileAt(memory, kMemoryMax, buffer);
  if (!max) return tl::unexpected(max.error());
  out.memoryMax = parseMaxOrNumber(*max);
  auto high = readFileAt(memory, kMemoryHigh, buffer);
  if (!high) return tl::unexpected(high.error());
  out.memoryHigh = parseMaxOrNumber(*high);
  auto swap = readOptionalFileAt(memory, kMemorySwapMax, buffer);
  if (!swap) return tl::unexpected(swap.error());
  if (*swap) out.swapMax = parseMaxOrNumber(**swap);
  return {};
}

// memory.max, memory.high and memory.swap.max are independent of one another on v2.
Result<void> CgroupV2Backend::writeMemoryLimits(const Dir& memory, const Limits& limits, uint64_t) const {
  if (auto r = writeBoundAt(memory, kMemoryMax, limits.memoryMax); !r) return r;
  if (auto r = writeBoundAt(memory, kMemoryHigh, limits.memoryHigh); !r) return r;
  if (limits.swapMax && !fileExistsAt(memory, kMemorySwapMax)) {
    return logicError("set a swap limit (this kernel has no swap accounting) on", memory.pathOf(kMemorySwapMax),
                      EOPNOTSUPP);
  }
  return writeBoundAt(memory, kMemorySwapMax, limits.swapMax);
}

Result<void> CgroupV2Backend::readPidsLimits(const Dir& pids, Limits& out, Buffer buffer) const {
  return readPidsMaxLimit(pids, out, buffer);
}

Result<void> CgroupV2Backend::writePidsLimits(const Dir& pids, const Limits& limits) const {
  return writePidsMaxLimit(pids, limits);
}

const char* CgroupV2Backend::limitFileOf(Controller c) const {
  switch (c) {
    case Controller::Cpu:
      return kCpuMax;
    case Controller::Memory:
      return kMemoryMax;
    case Controller::Pids:
      return "pids.max";
    default:
      return nullptr;
  }
}

Result<bool> waitForCgroupEvent(const Dir& dir, std::string_view key, bool wanted, std::chrono::milliseconds timeout) {
  UniqueFd fd(::openat(dir.fd(), kCgroupEvents, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return systemError("open for reading", dir.pathOf(kCgroupEvents));
  const auto deadline = Clock::now() + timeout;
  char buffer[128];
  while (true) {
    // kernfs regenerates the file on every read from offset 0.
    ssize_t n = ::pread(fd.get(), buffer, sizeof buffer, 0);
    if (n < 0) return systemError("read", dir.pathOf(kCgroupEvents));
    CgroupEvents events = parseCgroupEvents(std::string_view(buffer, static_cast<size_t>(n)));
    std::optional<bool> value = key == "frozen" ? events.frozen : events.populated;
    if (value && *value == wanted) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd.get(), POLLPRI, 0};
    // kernfs signals a change with POLLPRI|POLLERR; a spurious wake-up only costs a re-read.
    // The poll is capped so that a missed notification costs at most 100 ms.
    if (::poll(&pfd, 1, static_cast<int>(std::min<long>(left.count(), 100))) < 0 && errno != EINTR) {
      return systemError("poll", dir.pathOf(kCgroupEvents));
    }
  }
}

Result<void> CgroupV2Backend::freeze(const Dir& dir, std::chrono::milliseconds timeout) const {
  auto written = writeFileAt(dir, kCgroupFreeze, "1");
  if (!written) return written;
  auto frozen = waitForCgroupEvent(dir, "frozen", true, timeout);
  if (frozen && *frozen) return {};
  (void)writeFileAt(dir, kCgroupFreeze, "0");
  if (!frozen) return tl::unexpected(frozen.error());
  return userError("cgroup " + dir.path() + " was not frozen after " + std::to_string(timeout.count()) +
                       " ms, so it was thawed again; a process in it may be stuck in the kernel (D state in ps): try "
                       "again later",
                   ETIMEDOUT);
}

Result<void> CgroupV2Backend::thaw(const Dir& dir, std::chrono::milliseconds timeout) const {
  auto written = writeFileAt(dir, kCgroupFreeze, "0");
  if (!written) return written;
  auto thawed = waitForCgroupEvent(dir, "frozen", false, timeout);
  if (!thawed) return tl::unexpected(thawed.error());
  if (*thawed) return {};
  auto status = freezerStatus(dir);
  if (status && status->parentFrozen) {
    return userError("cgroup " + dir.path() + " stays frozen: an ancestor cgroup is frozen; thaw it first", EBUSY);
  }
  return userError(
      "cgroup " + dir.path() + " was still frozen after " + std::to_string(timeout.count()) + " ms; try again",
      ETIMEDOUT);
}

Result<FreezerState> CgroupV2Backend::freezerState(const Dir& dir) const {
  char buffer[128];
  auto eventsText = readFileAt(dir, kCgroupEvents, buffer);
  if (!eventsText) return tl::unexpected(eventsText.error());
  // "frozen" is the effective state (an ancestor's freeze included); a group on its way
  // reads as thawed until it is frozen.
  return parseCgroupEvents(*eventsText).frozen.value_or(false) ? FreezerState::Frozen : FreezerState::Thawed;
}

Result<FreezerStatus> CgroupV2Backend::freezerStatus(const Dir& dir) const {
  char buffer[128];
  auto eventsText = readFileAt(dir, kCgroupEvents, buffer);
  if (!eventsText) return tl::unexpected(eventsText.error());
  CgroupEvents events = parseCgroupEvents(*eventsText);
  auto self = selfFreezeRequested(dir);
  if (!self) return tl::unexpected(self.error());

  FreezerStatus status;
  status.selfFrozen = *self;
  // cgroup.events "frozen" is the effective state; cgroup.freeze only this group's request,
  // so an ancestor's request is found by walking up until a directory without cgroup.freeze
  // (the root cgroup, which cannot be frozen, or the top of the mount).
  UniqueFd current(::openat(dir.fd(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  while (current.valid() && !status.parentFrozen) {
    Dir ancestor(std::move(current), dir.path() + "/..");
    if (!fileExistsAt(ancestor, kCgroupFreeze)) break;
    auto requested = selfFreezeRequested(ancestor);
    if (requested && *requested) status.parentFrozen = true;
    current = UniqueFd(::openat(ancestor.fd(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  }
  bool effective = events.frozen.value_or(false);
  if (effective)
    status.state = FreezerState::Frozen;
  else if (status.selfFrozen || status.parentFrozen)
    status.state = FreezerState::Freezing;
  else
    status.state = FreezerState::Thawed;
  return status;
}

void planPressureStats(const Dir& dir, StatsPlan& plan) {
  plan.push_back({&dir, kCpuPressure, [](std::string_view t, Stats& s) { s.cpuPressure = parsePressure(t); }, true});
  plan.push_back(
      {&dir, kMemoryPressure, [](std::string_view t, Stats& s) { s.memoryPressure = parsePressure(t); }, true});
  plan.push_back({&dir, kIoPressure, [](std::string_view t, Stats& s) { s.ioPressure = parsePressure(t); }, true});
}

bool hasCgroupKillFile(const Dir& dir) {
  return fileExistsAt(dir, kCgroupKill);
}

Result<void> killViaCgroupKill(const Dir& dir, std::chrono::milliseconds timeout) {
  auto written = writeFileAt(dir, kCgroupKill, "1");
  if (!written) return written;
  auto empty = waitForCgroupEvent(dir, "populated", false, timeout);
  if (!empty) return tl::unexpected(empty.error());
  if (!*empty) {
    return userError("processes remain in cgroup " + dir.path() + " " + std::to_string(timeout.count()) +
                         " ms after cgroup.kill; one may be stuck in the kernel (D state in ps): try again later",
                     ETIMEDOUT);
  }
  return {};
}

}  // namespace agent::cgroup
