#include "StandbyPool.h"

#include <unistd.h>

#include <filesystem>
#include <future>
#include <vector>

#include "AtomicFile.h"
#include "FileAt.h"
#include "Names.h"
#include "TextParse.h"

namespace agent::container {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

void removeGroup(const cgroup::Hierarchy& hierarchy, const std::string& path) {
  // An older agentd's standby may lack hierarchies added since: it goes all the same.
  auto group = cgroup::Cgroup::open(hierarchy, path, hierarchy.available(cgroup::containerControllers()),
                                    cgroup::controllersOlderContainersLack());
  if (!group) return;
  (void)group->killAll();
  (void)group->remove();
}

}  // namespace

StandbyPool::StandbyPool(StandbyPoolConfig config, cgroup::Hierarchy hierarchy)
    : config_(std::move(config)), hierarchy_(std::move(hierarchy)) {
  std::error_code ec;
  fs::create_directories(config_.stateDir + "/standby", ec);
  if (config_.target > 0) filler_ = std::jthread([this](std::stop_token stop) { fillLoop(stop); });
}

StandbyPool::~StandbyPool() {
  filler_.request_stop();
  if (filler_.joinable()) filler_.join();
  for (auto& standby : ready_) discard(standby);
}

size_t StandbyPool::removeLeftovers(const std::string& stateDir, const cgroup::Hierarchy& hierarchy) {
  size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(stateDir + "/standby", ec)) {
    auto cgroupPath = readWholeFile(entry.path().string());
    if (cgroupPath) removeGroup(hierarchy, std::string(text::trim(*cgroupPath)));
    fs::remove(entry.path(), ec);
    ++removed;
  }
  return removed;
}

std::optional<Standby> StandbyPool::take() {
  std::optional<Standby> taken;
  {
    std::lock_guard lock(mutex_);
    if (!ready_.empty()) {
      taken = std::move(ready_.front());
      ready_.pop_front();
    }
  }
  wake_.notify_all();
  return taken;
}

void StandbyPool::forget(const Standby& standby) {
  std::error_code ec;
  fs::remove(markerOf(standby.id), ec);
  std::lock_guard lock(mutex_);
  cgroupPaths_.erase(standby.cgroupPath);
}

void StandbyPool::discard(Standby& standby) {
  dropStandbyShim(standby.shim);
  removeGroup(hierarchy_, standby.cgroupPath);
  forget(standby);
}

StandbyPool::Activity::Activity(StandbyPool* pool) : pool_(pool) {
  if (pool_ == nullptr) return;
  std::lock_guard lock(pool_->mutex_);
  ++pool_->active_;
}

StandbyPool::Activity::~Activity() {
  if (pool_ == nullptr) return;
  {
    std::lock_guard lock(pool_->mutex_);
    --pool_->active_;
    pool_->lastActive_ = std::chrono::steady_clock::now();
  }
  pool_->wake_.notify_all();
}

size_t StandbyPool::ready() const {
  std::lock_guard lock(mutex_);
  return ready_.size();
}

size_t StandbyPool::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

std::set<std::string> StandbyPool::cgroupPaths() const {
  std::lock_guard lock(mutex_);
  return cgroupPaths_;
}

Result<Standby> StandbyPool::prepareOne() {
  Standby standby;
  standby.id = newContainerId();
  standby.cgroupPath = config_.cgroupParent + "/" + standby.id;
  {
    std::lock_guard lock(mutex_);  // before the cgroup exists: see cgroupPaths()
    cgroupPaths_.insert(standby.cgroupPath);
  }
  auto group =
      cgroup::Cgroup::create(hierarchy_, standby.cgroupPath, hierarchy_.available(cgroup::containerControllers()));
  if (!group) {
    forget(standby);
    return tl::unexpected(group.error());
  }
  // Before the shim (and so the container's PID 1) is in the group.
  if (auto confined = group->applyDeviceRules(cgroup::defaultDeviceAllowList()); !confined) {
    (void)group->remove();
    forget(standby);
    return tl::unexpected(confined.error());
  }
  // The marker first: from here on a crash leaves something the next agentd can find.
  if (auto marked = writeFileAtomically(config_.stateDir + "/standby", standby.id, standby.cgroupPath + "\n");
      !marked) {
    (void)group->remove();
    forget(standby);
    return tl::unexpected(marked.error());
  }
  auto shim = startStandbyShim(config_.shimPath, config_.stateDir + "/containers/" + standby.id, standby.cgroupPath);
  if (!shim) {
    removeGroup(hierarchy_, standby.cgroupPath);
    forget(standby);
    return tl::unexpected(shim.error().error);
  }
  standby.shim = std::move(*shim);
  return standby;
}

void StandbyPool::fillLoop(std::stop_token stop) {
  // A stop wakes the waits below (which also wake for take(), forget() and Activity).
  std::stop_callback wakeOnStop(stop, [this] {
    std::lock_guard lock(mutex_);
    wake_.notify_all();
  });
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    if (ready_.size() >= config_.target) {
      wake_.wait(lock);
      continue;
    }
    // Refilled in a quiet moment, or, when starts come back to back and the pool runs low,
    // all at once: the joins of one batch share a grace period, so the requests that wait
    // behind it are one in several starts, not every one.
    constexpr auto kQuiet = 10ms;
    auto quietAt = lastActive_ + kQuiet;
    bool low = ready_.size() <= (config_.target - 1) / 3;
    if (active_ > 0 || (!low && std::chrono::steady_clock::now() < quietAt)) {
      if (active_ > 0)
        wake_.wait(lock);
      else
        wake_.wait_until(lock, quietAt);
      continue;
    }
    size_t missing = config_.target - ready_.size();
    lock.unlock();
    // Prepared side by side: their cgroup joins then share one grace period.
    std::vector<std::future<Result<Standby>>> preparing;
    for (size_t i = 0; i < missing; ++i)
      preparing.push_back(std::async(std::launch::async, [this] { return prepareOne(); }));
    size_t failed = 0;
    std::vector<Standby> prepared;
    for (auto& f : preparing) {
      auto standby = f.get();
      if (standby)
        prepared.push_back(std::move(*standby));
      else
        ++failed;
    }
    lock.lock();
    for (auto& standby : prepared) ready_.push_back(std::move(standby));
    failures_ += failed;
    // A pool that cannot fill (no shim, no cgroups) retries slowly instead of spinning.
    if (failed > 0) wake_.wait_for(lock, stop, 5s, [&stop] { return stop.stop_requested(); });
  }
}

}  // namespace agent::container
