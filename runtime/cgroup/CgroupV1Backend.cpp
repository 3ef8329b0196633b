#include "CgroupV1Backend.h"

#include <string>
#include <thread>

#include "KernelLimits.h"
#include "TextParse.h"
#include "V1MemoryWrites.h"

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
constexpr const char* kMemoryLimit = kV1MemoryLimitFile;
constexpr const char* kMemswLimit = kV1MemswLimitFile;
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

struct PendingWrite {
  const char* file;
  std::string value;
  std::string old;  // what the file held, to put back if the other write fails
};

// Writes two files whose valid values depend on each other (CFS quota and period: the kernel
// checks the pair against the parent's and the children's bandwidth at each write). One order
// can fail with EINVAL where the other succeeds, so on EINVAL the other order is tried. A
// write that took is undone when its partner fails: never half of a pair.
Result<void> writeBothOrNeither(const Dir& dir, const PendingWrite& a, const PendingWrite& b) {
  auto inOrder = [&dir](const PendingWrite& first, const PendingWrite& second) -> Result<void> {
    if (auto r = writeFileAt(dir, first.file, first.value); !r) return r;
    auto r = writeFileAt(dir, second.file, second.value);
    if (!r) (void)writeFileAt(dir, first.file, first.old);
    return r;
  };
  auto written = inOrder(a, b);
  if (written || written.error().errnum != EINVAL) return written;
  auto other = inOrder(b, a);
  return other ? other : written;
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
    char buffer[64];
    Limits now;
    if (auto r = readCpuLimits(cpu, now, buffer); !r) return r;
    std::string quota = q.quotaUs.isUnlimited() ? "-1" : std::to_string(*q.quotaUs.value);
    std::string oldQuota = now.cpu->quotaUs.isUnlimited() ? "-1" : std::to_string(*now.cpu->quotaUs.value);
    // The usual case, the period as it stands: one write, nothing to keep in step.
    auto written =
        q.periodUs == now.cpu->periodUs
            ? writeFileAt(cpu, kCfsQuota, quota)
            : writeBothOrNeither(cpu, {kCfsPeriod, std::to_string(q.periodUs), std::to_string(now.cpu->periodUs)},
                                 {kCfsQuota, quota, oldQuota});
    if (!written) return written;
  }
  // What the kernel would clamp to (2..262144) is written clamped: it reads back the same.
  if (limits.cpuShares) return writeFileAt(cpu, kCpuShares, std::to_string(normalizeCpuShares(*limits.cpuShares)));
  return {};
}

Result<void> CgroupV1Backend::readMemoryLimits(const Dir& memory, Limits& out, Buffer buffer, uint64_t pageSize) const {
  auto limitText = readFileAt(memory, kMemoryLimit, buffer);
  if (!limitText) return tl::unexpected(limitText.error());
  out.memoryMax = parseV1ByteLimit(*limitText, pageSize);
  if (!out.memoryMax) return logicError("parse", memory.pathOf(kMemoryLimit));
  auto memsw = readOptionalFileAt(memory, kMemswLimit, buffer);
  if (!memsw) return tl::unexpected(memsw.error());
  if (*memsw) {
    auto total = parseV1ByteLimit(**memsw, pageSize);
    if (!total) return logicError("parse", memory.pathOf(kMemswLimit));
    out.memoryAndSwapMax = *total;
    if (total->isUnlimited() || out.memoryMax->isUnlimited()) {
      out.swapMax = Bound::unlimited();
    } else {
      uint64_t mem = *out.memoryMax->value;
      out.swapMax = Bound::of(*total->value > mem ? *total->value - mem : 0);
    }
  }
  return {};
}

Result<void> CgroupV1Backend::writeMemoryLimits(const Dir& memory, const Limits& limits, uint64_t pageSize) const {
  if (limits.memoryHigh) {
    return logicError("set memory.high (cgroup v1 has no equivalent; use a memory limit) on", memory.path(),
                      EOPNOTSUPP);
  }
  if (!limits.memoryMax && !limits.swapMax) return {};
  char buffer[64];
  Limits current;
  if (auto r = readMemoryLimits(memory, current, buffer, pageSize); !r) return r;
  V1MemoryState now{*current.memoryMax, current.memoryAndSwapMax};
  // v1 limits memory+swap together: memsw = memory + swap, with the memory limit as given
  // or as it stands now.
  std::optional<Bound> memsw;
  if (limits.swapMax) {
    Bound mem = limits.memoryMax ? normalizeMemory(*limits.memoryMax, pageSize) : now.memory;
    memsw = (mem.isUnlimited() || limits.swapMax->isUnlimited()) ? Bound::unlimited()
                                                                 : Bound::of(*mem.value + *limits.swapMax->value);
  }
  auto plan = planV1MemoryWrites(now, limits.memoryMax, memsw, pageSize);
  if (!plan) {
    Error refused = plan.error();
    refused.path = memory.pathOf(refused.path.c_str());
    return tl::unexpected(refused);
  }
  for (size_t i = 0; i < plan->size(); ++i) {
    const auto& step = (*plan)[i];
    auto written = writeFileAt(memory, step.file, v1Bytes(step.value));
    if (written) continue;
    // Put back what took, last first: each file returns to a value it held with the other
    // at its old value too, which the kernel accepted before.
    for (size_t j = i; j-- > 0;) {
      const auto& undo = (*plan)[j];
      (void)writeFileAt(memory, undo.file, v1Bytes(undo.file == kMemswLimit ? *now.memoryAndSwap : now.memory));
    }
    return written;
  }
  return {};
}

Result<void> CgroupV1Backend::readPidsLimits(const Dir& pids, Limits& out, Buffer buffer) const {
  return readPidsMaxLimit(pids, out, buffer);
}

Result<void> CgroupV1Backend::writePidsLimits(const Dir& pids, const Limits& limits) const {
  return writePidsMaxLimit(pids, limits);
}

const char* CgroupV1Backend::limitFileOf(Controller c) const {
  switch (c) {
    case Controller::Cpu:
      return kCfsQuota;
    case Controller::Memory:
      return kMemoryLimit;
    case Controller::Pids:
      return "pids.max";
    default:
      return nullptr;
  }
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
      return userError("cgroup " + dir.path() + " was still FREEZING after " + std::to_string(timeout.count()) +
                           " ms, so it was thawed again; a process in it may be stuck in the kernel (D state in ps): "
                           "try again later",
                       ETIMEDOUT);
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
      return userError(byParent ? "cgroup " + dir.path() + " stays frozen: an ancestor cgroup is frozen; thaw it first"
                                : "cgroup " + dir.path() + " was still not THAWED after " +
                                      std::to_string(timeout.count()) + " ms; try again",
                       byParent ? EBUSY : ETIMEDOUT);
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
