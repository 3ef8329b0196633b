#include "CgroupV1Backend.h"

#include <string>
#include <thread>

#include "TextParse.h"

namespace agent::cgroup {

namespace {
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr char kCpuacctUsage[] = "cpuacct.usage";
constexpr char kCpuacctStat[] = "cpuacct.stat";
constexpr char kCpuStat[] = "cpu.stat";
constexpr char kCfsQuota[] = "cpu.cfs_quota_us";
constexpr char kCfsPeriod[] = "cpu.cfs_period_us";
constexpr char kCpuShares[] = "cpu.shares";
constexpr char kMemoryUsage[] = "memory.usage_in_bytes";
constexpr char kMemoryStat[] = "memory.stat";
constexpr char kMemoryMaxUsage[] = "memory.max_usage_in_bytes";
constexpr char kMemoryFailcnt[] = "memory.failcnt";
constexpr char kMemoryOomControl[] = "memory.oom_control";
constexpr char kMemoryLimit[] = "memory.limit_in_bytes";
constexpr char kMemswLimit[] = "memory.memsw.limit_in_bytes";
constexpr char kBlkioBytes[] = "blkio.throttle.io_service_bytes_recursive";
constexpr char kBlkioOps[] = "blkio.throttle.io_serviced_recursive";
constexpr char kFreezerState[] = "freezer.state";
constexpr char kFreezerSelf[] = "freezer.self_freezing";
constexpr char kFreezerParent[] = "freezer.parent_freezing";

std::string v1Bytes(const Bound& bound) {
  return bound.isUnlimited() ? "-1" : std::to_string(*bound.value);
}

Result<std::optional<uint64_t>> readU64(const Dir& dir, const char* name, Buffer buffer) {
  auto text = readFileAt(dir, name, buffer);
  if (!text) return tl::unexpected(text.error());
  return text::toU64(*text);
}

// Writes two files whose valid values depend on each other (quota and period; memory and
// memory+swap). One order fails with EINVAL when the other would succeed, so on EINVAL try
// the other order.
Result<void> writePair(const Dir& dir, const char* first, const std::string& firstValue, const char* second,
                       const std::string& secondValue) {
  auto a = writeFileAt(dir, first, firstValue);
  if (a) return writeFileAt(dir, second, secondValue);
  if (a.error().errnum != EINVAL) return a;
  auto b = writeFileAt(dir, second, secondValue);
  if (!b) return b;
  return writeFileAt(dir, first, firstValue);
}

Result<std::optional<FreezerState>> readFreezerState(const Dir& dir, Buffer buffer) {
  auto text = readFileAt(dir, kFreezerState, buffer);
  if (!text) return tl::unexpected(text.error());
  return parseV1FreezerState(*text);
}
}  // namespace

void CgroupV1Backend::planCpuStats(const Dir& cpu, const Dir* cpuacct, StatsPlan& plan) const {
  // The usage file first: Cgroup::readCpuUsageNs reads the first step alone.
  if (cpuacct != nullptr) {
    plan.push_back(
        {cpuacct, kCpuacctUsage, [](std::string_view t, Stats& s) { s.cpu.usageNs = text::toU64(t); }, false});
  }
  plan.push_back({&cpu, kCpuStat, [](std::string_view t, Stats& s) { parseCpuStatV1(t, s.cpu); }, false});
  if (cpuacct == nullptr) return;
  plan.push_back({cpuacct, kCpuacctStat, [](std::string_view t, Stats& s) { parseCpuacctStat(t, s.cpu); }, false});
}

void CgroupV1Backend::planMemoryStats(const Dir& memory, StatsPlan& plan) const {
  plan.push_back(
      {&memory, kMemoryUsage, [](std::string_view t, Stats& s) { s.memory.usageBytes = text::toU64(t); }, false});
  plan.push_back({&memory, kMemoryStat, [](std::string_view t, Stats& s) { parseMemoryStatV1(t, s.memory); }, false});
  plan.push_back(
      {&memory, kMemoryMaxUsage, [](std::string_view t, Stats& s) { s.memory.maxUsageBytes = text::toU64(t); }, false});
  plan.push_back(
      {&memory, kMemoryFailcnt, [](std::string_view t, Stats& s) { s.memory.failcnt = text::toU64(t); }, false});
  plan.push_back(
      {&memory, kMemoryOomControl, [](std::string_view t, Stats& s) { parseOomControl(t, s.memory); }, false});
}

void CgroupV1Backend::planPidsStats(const Dir& pids, StatsPlan& plan) const {
  planPidsFiles(pids, plan);
}

void CgroupV1Backend::planIoStats(const Dir& io, StatsPlan& plan) const {
  plan.push_back({&io, kBlkioBytes, [](std::string_view t, Stats& s) { parseBlkioBytes(t, s.io); }, false});
  plan.push_back({&io, kBlkioOps, [](std::string_view t, Stats& s) { parseBlkioOps(t, s.io); }, false});
}

Result<void> CgroupV1Backend::readCpuLimits(const Dir& cpu, Limits& out, Buffer buffer) const {
  auto quotaText = readFileAt(cpu, kCfsQuota, buffer);
  if (!quotaText) return tl::unexpected(quotaText.error());
  auto quota = parseV1CfsQuota(*quotaText);
  auto period = readU64(cpu, kCfsPeriod, buffer);
  if (!period) return tl::unexpected(period.error());
  if (!quota || !*period) return logicError("parse", cpu.pathOf(kCfsQuota));
  out.cpu = CpuQuota{*quota, **period};
  auto shares = readU64(cpu, kCpuShares, buffer);
  if (!shares) return tl::unexpected(shares.error());
  out.cpuShares = *shares;
  return {};
}

Result<void> CgroupV1Backend::writeCpuLimits(const Dir& cpu, const Limits& limits) const {
  if (limits.cpu) {
    const auto& q = *limits.cpu;
    auto written = writePair(cpu, kCfsPeriod, std::to_string(q.periodUs), kCfsQuota,
                             q.quotaUs.isUnlimited() ? "-1" : std::to_string(*q.quotaUs.value));
    if (!written) return written;
  }
  if (limits.cpuShares) return writeFileAt(cpu, kCpuShares, std::to_string(*limits.cpuShares));
  return {};
}

Result<void> CgroupV1Backend::readMemoryLimits(const Dir& memory, Limits& out, Buffer buffer) const {
  auto limitText = readFileAt(memory, kMemoryLimit, buffer);
  if (!limitText) return tl::unexpected(limitText.error());
  out.memoryMax = parseV1ByteLimit(*limitText);
  if (!out.memoryMax) return logicError("parse", memory.pathOf(kMemoryLimit));
  auto memsw = readOptionalFileAt(memory, kMemswLimit, buffer);
  if (!memsw) return tl::unexpected(memsw.error());
  if (*memsw) {
    auto total = parseV1ByteLimit(**memsw);
    if (total && (total->isUnlimited() || out.memoryMax->isUnlimited())) {
      out.swapMax = Bound::unlimited();
    } else if (total) {
      uint64_t mem = *out.memoryMax->value;
      out.swapMax = Bound::of(*total->value > mem ? *total->value - mem : 0);
    }
  }
  return {};
}

Result<void> CgroupV1Backend::writeMemoryLimits(const Dir& memory, const Limits& limits) const {
  if (limits.memoryHigh) {
    return logicError("set memory.high (cgroup v1 has no equivalent; use a memory limit) on", memory.path(),
                      EOPNOTSUPP);
  }
  if (!limits.swapMax) {
    if (!limits.memoryMax) return {};
    return writeFileAt(memory, kMemoryLimit, v1Bytes(*limits.memoryMax));
  }
  // v1 limits memory+swap together: memsw = memory + swap, with the memory limit as given
  // or as it stands now.
  if (!fileExistsAt(memory, kMemswLimit)) {
    return logicError("set a swap limit (swap accounting is off; boot with swapaccount=1) on",
                      memory.pathOf(kMemswLimit), EOPNOTSUPP);
  }
  Bound mem = limits.memoryMax ? *limits.memoryMax : Bound::unlimited();
  if (!limits.memoryMax) {
    char buffer[64];
    Limits current;
    auto read = readMemoryLimits(memory, current, buffer);
    if (!read) return read;
    mem = *current.memoryMax;
  }
  Bound total = (mem.isUnlimited() || limits.swapMax->isUnlimited()) ? Bound::unlimited()
                                                                     : Bound::of(*mem.value + *limits.swapMax->value);
  return writePair(memory, kMemoryLimit, v1Bytes(mem), kMemswLimit, v1Bytes(total));
}

Result<void> CgroupV1Backend::readPidsLimits(const Dir& pids, Limits& out, Buffer buffer) const {
  return readPidsMaxLimit(pids, out, buffer);
}

Result<void> CgroupV1Backend::writePidsLimits(const Dir& pids, const Limits& limits) const {
  return writePidsMaxLimit(pids, limits);
}

// runc's loop: write FROZEN and re-read until the kernel reports FROZEN. A cgroup can stay
// FREEZING forever when a task is stuck in an uninterruptible sleep that the freezer cannot
// catch; thawing briefly every 50 tries lets such a task move on, and the whole attempt is
// bounded by `timeout`, after which the cgroup is thawed and the error returned.
Result<void> CgroupV1Backend::freeze(const Dir& dir, std::chrono::milliseconds timeout) const {
  char buffer[64];
  const auto deadline = Clock::now() + timeout;
  for (int attempt = 0;; ++attempt) {
    if (attempt % 50 == 49) {
      auto thawed = writeFileAt(dir, kFreezerState, "THAWED");
      if (!thawed) return thawed;
      std::this_thread::sleep_for(10ms);
    }
    auto written = writeFileAt(dir, kFreezerState, "FROZEN");
    if (!written) return written;
    auto state = readFreezerState(dir, buffer);
    if (!state) return tl::unexpected(state.error());
    if (*state == FreezerState::Frozen) return {};
    if (Clock::now() >= deadline) {
      (void)writeFileAt(dir, kFreezerState, "THAWED");
      return logicError("freeze (still FREEZING after " + std::to_string(timeout.count()) + " ms; thawed again) cgroup",
                        dir.path(), ETIMEDOUT);
    }
    std::this_thread::sleep_for(attempt < 25 ? 1ms : 10ms);
  }
}

Result<void> CgroupV1Backend::thaw(const Dir& dir, std::chrono::milliseconds timeout) const {
  char buffer[64];
  const auto deadline = Clock::now() + timeout;
  auto written = writeFileAt(dir, kFreezerState, "THAWED");
  if (!written) return written;
  while (true) {
    auto state = readFreezerState(dir, buffer);
    if (!state) return tl::unexpected(state.error());
    if (*state == FreezerState::Thawed) return {};
    if (Clock::now() >= deadline) {
      auto status = freezerStatus(dir);
      bool byParent = status && status->parentFrozen;
      return logicError(byParent ? "thaw (an ancestor cgroup is frozen; thaw it first)"
                                 : "thaw (still not THAWED after " + std::to_string(timeout.count()) + " ms)",
                        dir.path(), byParent ? EBUSY : ETIMEDOUT);
    }
    std::this_thread::sleep_for(1ms);
  }
}

Result<FreezerState> CgroupV1Backend::freezerState(const Dir& dir) const {
  char buffer[64];
  auto state = readFreezerState(dir, buffer);
  if (!state) return tl::unexpected(state.error());
  if (!*state) return logicError("parse", dir.pathOf(kFreezerState));
  return **state;  // freezer.state is the effective state: FROZEN when an ancestor is
}

Result<FreezerStatus> CgroupV1Backend::freezerStatus(const Dir& dir) const {
  char buffer[64];
  auto state = readFreezerState(dir, buffer);
  if (!state) return tl::unexpected(state.error());
  if (!*state) return logicError("parse", dir.pathOf(kFreezerState));
  FreezerStatus status;
  status.state = **state;
  auto self = readU64(dir, kFreezerSelf, buffer);
  if (!self) return tl::unexpected(self.error());
  auto parent = readU64(dir, kFreezerParent, buffer);
  if (!parent) return tl::unexpected(parent.error());
  status.selfFrozen = self->value_or(0) != 0;
  status.parentFrozen = parent->value_or(0) != 0;
  return status;
}

}  // namespace agent::cgroup
