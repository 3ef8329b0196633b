// Kill-all leaves no process (through cgroup.kill and through freeze + SIGKILL + thaw),
// and removal leaves no directory in any hierarchy.
#include "HostTestSupport.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;

namespace {
// A child that forks `n` sleeping grandchildren, one of them in a nested group.
int forkSleepers() {
  for (int i = 0; i < 5; ++i) {
    if (::fork() == 0) {
      while (true) ::pause();
    }
  }
  while (true) ::pause();
}

void waitForTasks(const cgroup::Cgroup& group, size_t n) {
  for (int i = 0; i < 200; ++i) {
    auto pids = group.pidsRecursive();
    if (pids && pids->size() >= n) return;
    std::this_thread::sleep_for(5ms);
  }
  FAIL() << "tasks did not appear";
}

void expectKillLeavesNothing(bool viaSignal) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("kill");
  // Processes only in leaves, as cgroup v2 requires: kill/work and kill/sub/nested.
  const auto& h = HostEnvironment::hierarchy();
  auto work = cgroup::Cgroup::create(h, group.path() + "/work", h.available(cgroup::containerControllers()));
  auto nested = cgroup::Cgroup::create(h, group.path() + "/sub/nested", h.available(cgroup::containerControllers()));
  ASSERT_TRUE(work && nested);
  ChildProcess child(forkSleepers);
  ChildProcess nestedChild(forkSleepers);
  auto attached = work->attach(child.pid());
  ASSERT_TRUE(attached) << attached.error().message();
  ASSERT_TRUE(nested->attach(nestedChild.pid()));
  child.release();
  nestedChild.release();
  waitForTasks(group, 12);

  auto killed = viaSignal ? group.killAllBySignal() : group.killAll();
  ASSERT_TRUE(killed) << killed.error().message();
  auto left = group.pidsRecursive();
  ASSERT_TRUE(left);
  EXPECT_TRUE(left->empty()) << left->size() << " processes left";
  int status = child.wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  std::vector<std::string> dirs;
  for (cgroup::Controller c :
       {cgroup::Controller::Cpu, cgroup::Controller::Memory, cgroup::Controller::Pids, cgroup::Controller::Freezer}) {
    dirs.push_back(group.dirFor(c)->path());
  }
  auto removed = group.remove();
  ASSERT_TRUE(removed) << removed.error().message();
  for (const auto& dir : dirs) {
    struct stat st {};
    EXPECT_NE(::stat(dir.c_str(), &st), 0) << dir << " still exists";
  }
}
}  // namespace

TEST(KillAll, PreferredPathLeavesNoProcess) {
  std::printf("cgroup.kill available here: %s\n", [] {
    TestParent parent;
    return parent.group().hasCgroupKill() ? "yes" : "no";
  }());
  expectKillLeavesNothing(false);
}

TEST(KillAll, FreezeSignalThawLeavesNoProcess) {
  expectKillLeavesNothing(true);
}

TEST(KillAll, AFrozenGroupIsKilledToo) {
  for (bool viaSignal : {false, true}) {
    TestParent parent;
    cgroup::Cgroup group = parent.child("frozen");
    ChildProcess child(forkSleepers);
    ASSERT_TRUE(group.attach(child.pid()));
    child.release();
    waitForTasks(group, 6);
    ASSERT_TRUE(group.freeze());
    auto killed = viaSignal ? group.killAllBySignal(2s) : group.killAll(2s);
    ASSERT_TRUE(killed) << (viaSignal ? "by signal: " : "preferred: ") << killed.error().message();
    auto left = group.pidsRecursive();
    ASSERT_TRUE(left);
    EXPECT_TRUE(left->empty());
    auto status = group.freezerStatus();
    ASSERT_TRUE(status);
    EXPECT_EQ(status->state, cgroup::FreezerState::Thawed);
  }
}

// A group made below another manager's (systemd's scope under the systemd driver): only what
// lies below the delegated root is made; a root that is gone (the scope stopped) is not made
// again, and the group is refused.
TEST(DelegatedCreate, OnlyWhatLiesBelowTheDelegatedRootIsMade) {
  TestParent parent;
  cgroup::Cgroup scope = parent.child("scope");
  const auto& h = HostEnvironment::hierarchy();
  auto controllers = h.available(cgroup::containerControllers());
  auto leaf = cgroup::Cgroup::create(h, scope.path() + "/container", controllers, scope.path());
  ASSERT_TRUE(leaf) << leaf.error().message();
  EXPECT_TRUE(leaf->exists());
  auto gone = cgroup::Cgroup::create(h, parent.path() + "/stopped/container", controllers, parent.path() + "/stopped");
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().isGone()) << gone.error().message();
  EXPECT_FALSE(cgroup::Cgroup::observe(h, parent.path() + "/stopped", controllers)) << "the delegated root was made";
  EXPECT_FALSE(cgroup::Cgroup::create(h, parent.path() + "/elsewhere", controllers, scope.path()));
  ASSERT_TRUE(leaf->remove());
}
