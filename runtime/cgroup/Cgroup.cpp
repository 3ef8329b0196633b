#include "Cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "CgroupTree.h"
#include "CgroupV2Backend.h"
#include "TextParse.h"

namespace agent::cgroup {

namespace {
using Clock = std::chrono::steady_clock;

constexpr char kCgroupProcs[] = "cgroup.procs";

// Large enough for every control file the stats read, including io.stat of a host with
// many disks; one per thread so concurrent readers never share it. Allocated at a thread's
// first read, not as a thread_local array: the loader zeroes a program's static TLS block at
// every exec, which made each agent-shim (which links this file but never reads stats) carry
// 64 KiB of dirty anonymous memory for its whole life.
constexpr size_t kReadBufferSize = 64 * 1024;
Buffer threadReadBuffer() {
  thread_local std::unique_ptr<char[]> buffer;
  if (!buffer) buffer = std::make_unique_for_overwrite<char[]>(kReadBufferSize);
  return Buffer(buffer.get(), kReadBufferSize);
}

}  // namespace

Result<void> validateCgroupPath(const std::string& path) {
  auto refuse = [&path](const std::string& why) {
    return userError("the cgroup path \"" + path + "\" " + why + "; give it as /proc/PID/cgroup shows it", EINVAL);
  };
  if (path.empty() || path.front() != '/') return refuse("does not start with '/'");
  auto parts = pathComponents(path);
  if (parts.empty()) return refuse("is the root cgroup, which is not agentd's to manage");
  for (const auto& part : parts) {
    if (part == "." || part == "..") return refuse("has a '.' or '..' component");
  }
  return {};
}

Result<Cgroup> Cgroup::create(const Hierarchy& hierarchy, const std::string& path, ControllerSet controllers,
                              const std::string& delegatedRoot) {
  if (auto r = validateCgroupPath(path); !r) return tl::unexpected(r.error());
  auto parts = pathComponents(path);
  size_t othersDepth = 0;
  if (!delegatedRoot.empty()) {
    auto rootParts = pathComponents(delegatedRoot);
    if (rootParts.size() >= parts.size() || !std::equal(rootParts.begin(), rootParts.end(), parts.begin())) {
      return userError("create cgroup " + path + ": not below the delegated group " + delegatedRoot, EINVAL);
    }
    othersDepth = rootParts.size();
  }
  std::vector<CgroupMount> mounts;
  Error missing;
  controllers.forEach([&](Controller c) {
    const CgroupMount* m = hierarchy.mountFor(c);
    if (m == nullptr) {
      missing = Error{ENOENT, hierarchy.cgroupRoot(),
                      "create cgroup " + path + ": the " + std::string(displayName(c)) +
                          " controller is not mounted or not enabled under"};
      return;
    }
    if (std::find(mounts.begin(), mounts.end(), *m) == mounts.end()) mounts.push_back(*m);
  });
  if (missing.errnum != 0) return tl::unexpected(missing);

  std::vector<std::string> made;
  auto undo = [&made] {
    for (auto it = made.rbegin(); it != made.rend(); ++it) ::rmdir(it->c_str());
  };
  for (const auto& mount : mounts) {
    if (auto r = makePath(mount, parts, controllers, made, othersDepth); !r) {
      undo();
      return tl::unexpected(r.error());
    }
  }
  // The unified tree of a hybrid host tracks processes; a failure there costs features
  // (cgroup.kill, cgroup.events), not correctness, so it is not fatal.
  const CgroupMount* unified = hierarchy.unifiedMount();
  if (unified && std::find(mounts.begin(), mounts.end(), *unified) == mounts.end()) {
    std::vector<std::string> unifiedMade;
    if (makePath(*unified, parts, {}, unifiedMade, othersDepth))
      made.insert(made.end(), unifiedMade.begin(), unifiedMade.end());
  }
  auto group = open(hierarchy, path, controllers);
  if (!group) undo();
  return group;
}

Result<Cgroup> Cgroup::open(const Hierarchy& hierarchy, const std::string& path, ControllerSet controllers,
                            ControllerSet optional) {
  if (auto r = validateCgroupPath(path); !r) return tl::unexpected(r.error());
  return openImpl(hierarchy, path, controllers, OpenMode::AllRequired, optional);
}

Result<Cgroup> Cgroup::observe(const Hierarchy& hierarchy, const std::string& path, ControllerSet controllers) {
  if (path.empty() || path.front() != '/') return logicError("observe cgroup (path must start with '/')", path);
  for (const auto& part : pathComponents(path)) {
    if (part == "." || part == "..") return logicError("observe cgroup (no '.' or '..' components)", path);
  }
  return openImpl(hierarchy, path, controllers, OpenMode::Observe);
}

Result<Cgroup> Cgroup::openWherePresent(const Hierarchy& hierarchy, const std::string& path,
                                        ControllerSet controllers) {
  if (auto r = validateCgroupPath(path); !r) return tl::unexpected(r.error());
  return openImpl(hierarchy, path, controllers, OpenMode::WherePresent);
}

Result<Cgroup> Cgroup::openImpl(const Hierarchy& hierarchy, const std::string& path, ControllerSet controllers,
                                OpenMode mode, ControllerSet optional) {
  Cgroup group;
  group.path_ = path;
  group.readOnly_ = mode == OpenMode::Observe;
  group.pageSize_ = hierarchy.pageSize();
  const CgroupMount* devices = hierarchy.mountFor(Controller::Devices);
  group.devicesOnV1_ = devices && devices->version == CgroupVersion::V1;
  group.memberOf_.fill(-1);
  auto memberIndex = [&](const CgroupMount& mount) -> Result<int8_t> {
    for (size_t i = 0; i < group.members_.size(); ++i)
      if (group.members_[i].mount == mount) return static_cast<int8_t>(i);
    auto dir = Dir::open(mount.mountPoint + path);
    if (!dir) return tl::unexpected(dir.error());
    group.members_.push_back(Member{mount, std::move(*dir)});
    return static_cast<int8_t>(group.members_.size() - 1);
  };
  Result<void> failure;
  controllers.forEach([&](Controller c) {
    if (!failure) return;
    std::string name(displayName(c));
    const CgroupMount* m = hierarchy.mountFor(c);
    if (m == nullptr) {
      if (mode == OpenMode::WherePresent) {
        group.absentWhy_[static_cast<size_t>(c)] = "this host has no " + name + " controller mounted";
        return;
      }
      failure = logicError("open cgroup " + path + ": the " + name + " controller is not mounted or not enabled under",
                           hierarchy.cgroupRoot(), ENOENT);
      return;
    }
    auto index = memberIndex(*m);
    if (!index) {
      // On v1 a path need not be in all hierarchies: observed groups and limits take those
      // it is in.
      if ((mode == OpenMode::AllRequired && !optional.has(c)) || !index.error().isGone()) {
        failure = tl::unexpected(index.error());
      } else {
        group.absentWhy_[static_cast<size_t>(c)] =
            "the group has no directory in the " + name + " hierarchy (" + m->mountPoint + path + ")";
      }
      return;
    }
    group.memberOf_[static_cast<size_t>(c)] = *index;
  });
  if (!failure) return tl::unexpected(failure.error());
  if (const CgroupMount* unified = hierarchy.unifiedMount()) {
    auto index = memberIndex(*unified);
    if (index) group.unifiedMember_ = *index;  // optional on hybrid hosts, see create()
  }
  if (group.members_.empty()) {
    if (mode == OpenMode::Observe) return logicError("observe cgroup (in no hierarchy)", path, ENOENT);
    if (mode == OpenMode::WherePresent) {
      std::string names;
      controllers.forEach([&](Controller c) { names += (names.empty() ? "" : ", ") + std::string(displayName(c)); });
      return logicError("open cgroup (no such cgroup: none of the " + names + " hierarchies has it)", path, ENOENT);
    }
    return logicError("open cgroup (no controllers requested)", path);
  }
  group.buildStatsPlan();
  return group;
}

const Cgroup::Member* Cgroup::member(Controller c) const {
  int8_t index = memberOf_[static_cast<size_t>(c)];
  return index < 0 ? nullptr : &members_[static_cast<size_t>(index)];
}

const Dir* Cgroup::dirFor(Controller c) const {
  const Member* m = member(c);
  return m ? &m->dir : nullptr;
}

const CgroupMount* Cgroup::mountFor(Controller c) const {
  const Member* m = member(c);
  return m ? &m->mount : nullptr;
}

std::optional<std::string> Cgroup::whyNoLimit(Controller c) const {
  const Member* m = member(c);
  std::string name(displayName(c));
  if (m == nullptr) {
    const std::string& why = absentWhy_[static_cast<size_t>(c)];
    return why.empty() ? "the group was not opened with the " + name + " controller" : why;
  }
  const char* file = backendFor(m->mount.version).limitFileOf(c);
  if (file == nullptr || fileExistsAt(m->dir, file)) return std::nullopt;
  if (m->mount.version == CgroupVersion::V2) {
    return "the " + name + " controller is not enabled for the group (" + m->dir.pathOf(file) +
           " does not exist: the parent's cgroup.subtree_control lacks +" + name + ")";
  }
  return "the kernel offers no " + name + " limit here (" + m->dir.pathOf(file) + " does not exist)";
}

CgroupVersion Cgroup::versionOf(Controller c) const {
  const Member* m = member(c);
  return m ? m->mount.version : CgroupVersion::V1;
}

// Where membership is read from: the freezer's directory (the one kill-all freezes), else
// the unified one, else any.
const Cgroup::Member& Cgroup::primary() const {
  if (const Member* m = member(Controller::Freezer)) return *m;
  if (unifiedMember_ >= 0) return members_[static_cast<size_t>(unifiedMember_)];
  return members_.front();
}

Result<void> Cgroup::attach(pid_t pid) const {
  if (readOnly_) return logicError("change cgroup (this handle only observes it)", path_, EPERM);
  std::string value = std::to_string(pid);
  for (const auto& m : members_) {
    auto written = writeFileAt(m.dir, kCgroupProcs, value);
    if (!written) {
      if (written.error().errnum == EBUSY && m.mount.version == CgroupVersion::V2) {
        written.error().action +=
            " (cgroup v2 puts processes only in leaf groups: this one delegates controllers to children)";
      }
      return written;
    }
  }
  return {};
}

Result<std::vector<pid_t>> Cgroup::pids() const {
  auto text = readWholeFileAt(primary().dir, kCgroupProcs);
  if (!text) return tl::unexpected(text.error());
  return parsePids(*text);
}

Result<std::vector<pid_t>> Cgroup::pidsRecursive() const {
  std::vector<pid_t> pids;
  if (auto r = collectPids(primary().dir, pids); !r) return tl::unexpected(r.error());
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  return pids;
}

void Cgroup::buildStatsPlan() {
  statsPlan_.clear();
  if (const Member* cpu = member(Controller::Cpu)) {
    const Member* acct = member(Controller::Cpuacct);
    backendFor(cpu->mount.version).planCpuStats(cpu->dir, acct ? &acct->dir : nullptr, statsPlan_);
  } else if (const Member* acct = member(Controller::Cpuacct); acct && acct->mount.version == CgroupVersion::V2) {
    // v2 reports usage in cpu.stat even without the cpu controller.
    backendFor(CgroupVersion::V2).planCpuStats(acct->dir, nullptr, statsPlan_);
  }
  if (const Member* m = member(Controller::Memory)) backendFor(m->mount.version).planMemoryStats(m->dir, statsPlan_);
  if (const Member* m = member(Controller::Pids)) backendFor(m->mount.version).planPidsStats(m->dir, statsPlan_);
  if (const Member* m = member(Controller::Io)) backendFor(m->mount.version).planIoStats(m->dir, statsPlan_);
  // Pressure comes with cgroup v2's cpu controller. A hybrid host's unified tree has the
  // files too, but reading them there costs a fifth more per group for a figure that v1
  // dashboards do not show.
  if (const Member* cpu = member(Controller::Cpu); cpu && cpu->mount.version == CgroupVersion::V2) {
    planPressureStats(cpu->dir, statsPlan_);
  }
  // An observed group may be one the kernel gives fewer files (the root has no
  // cpu.cfs_quota_us, no pids.current on v1): whatever it lacks stays empty.
  if (readOnly_) {
    for (auto& step : statsPlan_) step.optional = true;
  }
}

bool Cgroup::exists() const {
  return fileExistsAt(primary().dir, kCgroupProcs);
}

Result<void> Cgroup::readStats(Stats& out) const {
  out.clear();
  Buffer buffer = threadReadBuffer();
  for (const auto& step : statsPlan_) {
    if (auto r = executeStep(step, out, buffer); !r) return r;
  }
  finishStats(out);
  return {};
}

Result<std::optional<uint64_t>> Cgroup::readCpuUsageNs() const {
  // The backends plan the file that carries the usage first (buildStatsPlan plans CPU first).
  if (statsPlan_.empty()) return std::optional<uint64_t>();
  Stats scratch;
  if (auto r = executeStep(statsPlan_.front(), scratch, threadReadBuffer()); !r) return tl::unexpected(r.error());
  return scratch.cpu.usageNs;
}

void Cgroup::keepCpuUsageFileOpen() {
  if (!statsPlan_.empty()) statsPlan_.front().dir->keepFileOpen(statsPlan_.front().file);
}

void Cgroup::keepControlFilesOpen() {
  for (auto& m : members_) m.dir.keepFilesOpen();
}

Result<Limits> Cgroup::readLimits() const {
  Limits limits;
  Buffer buffer = threadReadBuffer();
  // A limit file missing from a directory that is still there (a v2 controller not enabled
  // for the group, the root) leaves that controller's fields empty; a vanished group is an
  // error.
  auto missingIsEmpty = [this](Result<void> read, auto clear) -> Result<void> {
    if (read || read.error().errnum != ENOENT || !exists()) return read;
    clear();
    return {};
  };
  if (const Member* m = member(Controller::Cpu)) {
    auto r = missingIsEmpty(backendFor(m->mount.version).readCpuLimits(m->dir, limits, buffer), [&] {
      limits.cpu.reset();
      limits.cpuShares.reset();
    });
    if (!r) return tl::unexpected(r.error());
  }
  if (const Member* m = member(Controller::Memory)) {
    auto r = missingIsEmpty(backendFor(m->mount.version).readMemoryLimits(m->dir, limits, buffer, pageSize_), [&] {
      limits.memoryMax.reset();
      limits.memoryHigh.reset();
      limits.swapMax.reset();
      limits.memoryAndSwapMax.reset();
    });
    if (!r) return tl::unexpected(r.error());
  }
  if (const Member* m = member(Controller::Pids)) {
    auto r = missingIsEmpty(backendFor(m->mount.version).readPidsLimits(m->dir, limits, buffer),
                            [&] { limits.pidsMax.reset(); });
    if (!r) return tl::unexpected(r.error());
  }
  return limits;
}

Result<void> Cgroup::applyLimits(const Limits& limits) const {
  if (readOnly_) return logicError("change cgroup (this handle only observes it)", path_, EPERM);
  auto need = [&](Controller c) -> Result<const Member*> {
    if (auto why = whyNoLimit(c)) {
      return logicError("set a " + std::string(displayName(c)) + " limit (" + *why + ") on cgroup", path_, ENOENT);
    }
    return member(c);
  };
  if (limits.cpu || limits.cpuShares) {
    auto m = need(Controller::Cpu);
    if (!m) return tl::unexpected(m.error());
    if (auto r = backendFor((*m)->mount.version).writeCpuLimits((*m)->dir, limits); !r) return r;
  }
  if (limits.memoryMax || limits.memoryHigh || limits.swapMax) {
    auto m = need(Controller::Memory);
    if (!m) return tl::unexpected(m.error());
    if (auto r = backendFor((*m)->mount.version).writeMemoryLimits((*m)->dir, limits, pageSize_); !r) return r;
  }
  if (limits.pidsMax) {
    auto m = need(Controller::Pids);
    if (!m) return tl::unexpected(m.error());
    if (auto r = backendFor((*m)->mount.version).writePidsLimits((*m)->dir, limits); !r) return r;
  }
  return {};
}

Result<void> Cgroup::freeze(std::chrono::milliseconds timeout) const {
  if (readOnly_) return logicError("change cgroup (this handle only observes it)", path_, EPERM);
  const Member* m = member(Controller::Freezer);
  if (!m) return logicError("freeze: the group was not opened with the freezer", path_, ENOENT);
  return backendFor(m->mount.version).freeze(m->dir, timeout);
}

Result<void> Cgroup::thaw(std::chrono::milliseconds timeout) const {
  if (readOnly_) return logicError("change cgroup (this handle only observes it)", path_, EPERM);
  const Member* m = member(Controller::Freezer);
  if (!m) return logicError("thaw: the group was not opened with the freezer", path_, ENOENT);
  return backendFor(m->mount.version).thaw(m->dir, timeout);
}

Result<FreezerStatus> Cgroup::freezerStatus() const {
  const Member* m = member(Controller::Freezer);
  if (!m) return logicError("query freezer: the group was not opened with the freezer", path_, ENOENT);
  return backendFor(m->mount.version).freezerStatus(m->dir);
}

Result<FreezerState> Cgroup::freezerState() const {
  const Member* m = member(Controller::Freezer);
  if (!m) return logicError("query freezer: the group was not opened with the freezer", path_, ENOENT);
  return backendFor(m->mount.version).freezerState(m->dir);
}

Result<void> Cgroup::remove(std::chrono::milliseconds timeout) {
  if (readOnly_) return logicError("change cgroup (this handle only observes it)", path_, EPERM);
  const auto deadline = Clock::now() + timeout;
  for (const auto& m : members_) {
    if (auto r = removeDirTree(m.dir.path(), deadline); !r) return r;
  }
  statsPlan_.clear();
  members_.clear();
  memberOf_.fill(-1);
  unifiedMember_ = -1;
  return {};
}

}  // namespace agent::cgroup
