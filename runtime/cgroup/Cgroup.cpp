#include "Cgroup.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "CgroupV2Backend.h"
#include "TextParse.h"

namespace agent::cgroup {

namespace {
using Clock = std::chrono::steady_clock;

constexpr char kCgroupProcs[] = "cgroup.procs";
constexpr char kSubtreeControl[] = "cgroup.subtree_control";
constexpr char kControllers[] = "cgroup.controllers";

// Large enough for every control file the stats read, including io.stat of a host with
// many disks; one per thread so concurrent readers never share it.
thread_local std::array<char, 64 * 1024> tlsBuffer;

std::vector<std::string> pathComponents(const std::string& path) {
  std::vector<std::string> parts;
  std::string_view rest = path;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (!part.empty()) parts.emplace_back(part);
    rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
  }
  return parts;
}

std::vector<pid_t> parsePids(std::string_view text) {
  std::vector<pid_t> pids;
  while (!text.empty()) {
    if (auto pid = text::toU64(text::nextLine(text))) pids.push_back(static_cast<pid_t>(*pid));
  }
  return pids;
}

Result<void> collectPids(const Dir& dir, std::vector<pid_t>& out) {
  auto text = readWholeFileAt(dir, kCgroupProcs);
  if (!text) return tl::unexpected(text.error());
  auto pids = parsePids(*text);
  out.insert(out.end(), pids.begin(), pids.end());
  auto children = listSubdirs(dir);
  if (!children) return tl::unexpected(children.error());
  for (const auto& name : *children) {
    auto child = dir.openChild(name);
    if (!child) {
      if (child.error().isGone()) continue;
      return tl::unexpected(child.error());
    }
    auto r = collectPids(*child, out);
    if (!r && !r.error().isGone()) return r;
  }
  return {};
}

// Enables in `level`'s subtree_control the wanted controllers it offers and has not yet
// enabled. Fails with EBUSY when `level` holds processes (v2's no-internal-process rule).
Result<void> enableControllers(const Dir& level, ControllerSet wanted) {
  auto offered = readWholeFileAt(level, kControllers);
  if (!offered) return tl::unexpected(offered.error());
  auto enabled = readWholeFileAt(level, kSubtreeControl);
  if (!enabled) return tl::unexpected(enabled.error());
  auto listed = [](std::string_view list, std::string_view name) {
    for (auto f = text::nextField(list); !f.empty(); f = text::nextField(list))
      if (text::trim(f) == name) return true;
    return false;
  };
  std::string request;
  wanted.forEach([&](Controller c) {
    std::string_view name = v2Name(c);
    if (name.empty() || !listed(*offered, name) || listed(*enabled, name)) return;
    if (!request.empty()) request += ' ';
    request += '+';
    request += name;
  });
  if (request.empty()) return {};
  auto written = writeFileAt(level, kSubtreeControl, request);
  if (!written && written.error().errnum == EBUSY) {
    written.error().action += " (cgroup v2 allows no processes in a group that delegates controllers)";
  }
  return written;
}

// mkdir -p below `mount`, enabling controllers at each level on v2. Records what it made.
Result<void> makePath(const CgroupMount& mount, const std::vector<std::string>& parts, ControllerSet controllers,
                      std::vector<std::string>& made) {
  auto level = Dir::open(mount.mountPoint);
  if (!level) return tl::unexpected(level.error());
  for (const auto& part : parts) {
    if (mount.version == CgroupVersion::V2) {
      if (auto r = enableControllers(*level, controllers); !r) return r;
    }
    if (::mkdirat(level->fd(), part.c_str(), 0755) == 0) {
      made.push_back(level->pathOf(part));
    } else if (errno != EEXIST) {
      return systemError("create cgroup directory", level->pathOf(part));
    }
    auto next = level->openChild(part);
    if (!next) return tl::unexpected(next.error());
    level = std::move(next);
  }
  return {};
}

Result<void> removeDirTree(const std::string& path, Clock::time_point deadline) {
  auto dir = Dir::open(path);
  if (!dir) return dir.error().isGone() ? Result<void>() : Result<void>(tl::unexpected(dir.error()));
  auto children = listSubdirs(*dir);
  if (!children) return tl::unexpected(children.error());
  for (const auto& name : *children) {
    if (auto r = removeDirTree(dir->pathOf(name), deadline); !r) return r;
  }
  while (::rmdir(path.c_str()) != 0) {
    if (errno == ENOENT) return {};
    if (errno != EBUSY || Clock::now() >= deadline) {
      return systemError(errno == EBUSY ? "remove cgroup (processes still in it)" : "remove cgroup", path);
    }
    std::this_thread::sleep_for(5ms);
  }
  return {};
}
}  // namespace

Result<void> validateCgroupPath(const std::string& path) {
  if (path.empty() || path.front() != '/') return logicError("use cgroup path (must start with '/')", path);
  auto parts = pathComponents(path);
  if (parts.empty()) return logicError("use cgroup path (the root cgroup is not ours to manage)", path);
  for (const auto& part : parts) {
    if (part == "." || part == "..") return logicError("use cgroup path (no '.' or '..' components)", path);
  }
  return {};
}

Result<Cgroup> Cgroup::create(const Hierarchy& hierarchy, const std::string& path, ControllerSet controllers) {
  if (auto r = validateCgroupPath(path); !r) return tl::unexpected(r.error());
  auto parts = pathComponents(path);
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
    if (auto r = makePath(mount, parts, controllers, made); !r) {
      undo();
      return tl::unexpected(r.error());
    }
  }
  // The unified tree of a hybrid host tracks processes; a failure there costs features
  // (cgroup.kill, cgroup.events), not correctness, so it is not fatal.
  const CgroupMount* unified = hierarchy.unifiedMount();
  if (unified && std::find(mounts.begin(), mounts.end(), *unified) == mounts.end()) {
    std::vector<std::string> unifiedMade;
    if (makePath(*unified, parts, {}, unifiedMade)) made.insert(made.end(), unifiedMade.begin(), unifiedMade.end());
  }
  auto group = open(hierarchy, path, controllers);
  if (!group) undo();
  return group;
}

Result<Cgroup> Cgroup::open(const Hierarchy& hierarchy, const std::string& path, ControllerSet controllers) {
  if (auto r = validateCgroupPath(path); !r) return tl::unexpected(r.error());
  Cgroup group;
  group.path_ = path;
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
    const CgroupMount* m = hierarchy.mountFor(c);
    if (m == nullptr) {
      failure = logicError("open cgroup " + path + ": the " + std::string(displayName(c)) +
                               " controller is not mounted or not enabled under",
                           hierarchy.cgroupRoot(), ENOENT);
      return;
    }
    auto index = memberIndex(*m);
    if (!index) {
      failure = tl::unexpected(index.error());
      return;
    }
    group.memberOf_[static_cast<size_t>(c)] = *index;
  });
  if (!failure) return tl::unexpected(failure.error());
  if (const CgroupMount* unified = hierarchy.unifiedMount()) {
    auto index = memberIndex(*unified);
    if (index) group.unifiedMember_ = *index;  // optional on hybrid hosts, see create()
  }
  if (group.members_.empty()) return logicError("open cgroup (no controllers requested)", path);
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
}

Result<void> Cgroup::readStats(Stats& out) const {
  out.clear();
  for (const auto& step : statsPlan_) {
    if (auto r = executeStep(step, out, tlsBuffer); !r) return r;
  }
  finishStats(out);
  return {};
}

void Cgroup::keepControlFilesOpen() {
  for (auto& m : members_) m.dir.keepFilesOpen();
}

Result<Limits> Cgroup::readLimits() const {
  Limits limits;
  Buffer buffer(tlsBuffer);
  if (const Member* m = member(Controller::Cpu)) {
    if (auto r = backendFor(m->mount.version).readCpuLimits(m->dir, limits, buffer); !r)
      return tl::unexpected(r.error());
  }
  if (const Member* m = member(Controller::Memory)) {
    if (auto r = backendFor(m->mount.version).readMemoryLimits(m->dir, limits, buffer); !r) {
      return tl::unexpected(r.error());
    }
  }
  if (const Member* m = member(Controller::Pids)) {
    if (auto r = backendFor(m->mount.version).readPidsLimits(m->dir, limits, buffer); !r)
      return tl::unexpected(r.error());
  }
  return limits;
}

Result<void> Cgroup::applyLimits(const Limits& limits) const {
  auto need = [&](Controller c) -> Result<const Member*> {
    if (const Member* m = member(c)) return m;
    return logicError("set a " + std::string(displayName(c)) + " limit: the group was not opened with that controller",
                      path_, ENOENT);
  };
  if (limits.cpu || limits.cpuShares) {
    auto m = need(Controller::Cpu);
    if (!m) return tl::unexpected(m.error());
    if (auto r = backendFor((*m)->mount.version).writeCpuLimits((*m)->dir, limits); !r) return r;
  }
  if (limits.memoryMax || limits.memoryHigh || limits.swapMax) {
    auto m = need(Controller::Memory);
    if (!m) return tl::unexpected(m.error());
    if (auto r = backendFor((*m)->mount.version).writeMemoryLimits((*m)->dir, limits); !r) return r;
  }
  if (limits.pidsMax) {
    auto m = need(Controller::Pids);
    if (!m) return tl::unexpected(m.error());
    if (auto r = backendFor((*m)->mount.version).writePidsLimits((*m)->dir, limits); !r) return r;
  }
  return {};
}

Result<void> Cgroup::freeze(std::chrono::milliseconds timeout) const {
  const Member* m = member(Controller::Freezer);
  if (!m) return logicError("freeze: the group was not opened with the freezer", path_, ENOENT);
  return backendFor(m->mount.version).freeze(m->dir, timeout);
}

Result<void> Cgroup::thaw(std::chrono::milliseconds timeout) const {
  const Member* m = member(Controller::Freezer);
  if (!m) return logicError("thaw: the group was not opened with the freezer", path_, ENOENT);
  return backendFor(m->mount.version).thaw(m->dir, timeout);
}

Result<FreezerStatus> Cgroup::freezerStatus() const {
  const Member* m = member(Controller::Freezer);
  if (!m) return logicError("query freezer: the group was not opened with the freezer", path_, ENOENT);
  return backendFor(m->mount.version).freezerStatus(m->dir);
}

bool Cgroup::hasCgroupKill() const {
  return unifiedMember_ >= 0 && hasCgroupKillFile(members_[static_cast<size_t>(unifiedMember_)].dir);
}

Result<void> Cgroup::killAll(std::chrono::milliseconds timeout) const {
  if (!hasCgroupKill()) return killAllBySignal(timeout);
  const Dir& unified = members_[static_cast<size_t>(unifiedMember_)].dir;
  // A task held by the v1 freezer (a paused container on a hybrid host) acts on SIGKILL
  // only once thawed: kill first, so nothing runs on when thawed, then thaw.
  bool frozen = false;
  if (has(Controller::Freezer)) {
    auto status = freezerStatus();
    frozen = status && status->state != FreezerState::Thawed;
  }
  if (frozen) {
    if (auto sent = writeFileAt(unified, "cgroup.kill", "1"); !sent) return sent;
    if (auto thawed = thaw(timeout); !thawed) return thawed;
  }
  auto killed = killViaCgroupKill(unified, timeout);
  if (!killed) return killed;
  // On a hybrid host a process attached only to the v1 hierarchies (by another tool)
  // escapes cgroup.kill; make sure through the primary hierarchy.
  auto left = pidsRecursive();
  if (!left) return tl::unexpected(left.error());
  return left->empty() ? Result<void>() : killAllBySignal(timeout);
}

Result<void> Cgroup::killAllBySignal(std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  bool frozen = has(Controller::Freezer) && freeze(timeout);
  auto pids = pidsRecursive();
  if (pids) {
    for (pid_t pid : *pids) ::kill(pid, SIGKILL);
  }
  // Frozen tasks act on the SIGKILL once thawed.
  if (frozen) {
    if (auto r = thaw(timeout); !r) return r;
  }
  if (!pids) return tl::unexpected(pids.error());
  while (true) {
    auto left = pidsRecursive();
    if (!left) return tl::unexpected(left.error());
    if (left->empty()) return {};
    if (Clock::now() >= deadline) {
      return logicError("kill all (" + std::to_string(left->size()) + " processes remain) in", primary().dir.path(),
                        ETIMEDOUT);
    }
    // Without a freezer a process may have forked after the listing: signal again.
    for (pid_t pid : *left) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(2ms);
  }
}

Result<void> Cgroup::remove(std::chrono::milliseconds timeout) {
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
