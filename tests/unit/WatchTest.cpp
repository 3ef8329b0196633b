// The two event sources of agentd's loop and its log followers: pidfds on shims (checked
// against the recorded start time) and the shared inotify instance.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ExitWatch.h"
#include "FileChangeWatch.h"
#include "FixtureTree.h"

namespace agent::container {
namespace {

bool readableWithin(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1;
}

struct Child {
  pid_t pid = ::fork();
  Child() {
    if (pid == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  PidRecord record() const {
    PidRecord r;
    r.shimPid = pid;
    r.shimStartTimeTicks = proc::ProcFs().readStat(pid)->startTimeTicks;
    return r;
  }
};

TEST(ExitWatch, APidfdTurnsReadableWhenTheShimEnds) {
  Child shim;
  auto pidfd = openShimPidfd(shim.record(), proc::ProcFs());
  ASSERT_TRUE(pidfd) << pidfd.error().message();
  EXPECT_FALSE(readableWithin(pidfd->get(), 50));
  ::kill(shim.pid, SIGKILL);
  EXPECT_TRUE(readableWithin(pidfd->get(), 2000));
}

TEST(ExitWatch, AStartTimeThatDiffersMeansThePidIsSomeoneElses) {
  Child other;
  auto record = other.record();
  record.shimStartTimeTicks += 1;
  auto pidfd = openShimPidfd(record, proc::ProcFs());
  ASSERT_FALSE(pidfd);
  EXPECT_EQ(pidfd.error().errnum, ESRCH);
}

TEST(ExitWatch, TheWatcherNamesTheContainersThatEnded) {
  Child a, b;
  ExitWatcher watcher;
  ASSERT_TRUE(watcher.watch("a", a.record(), proc::ProcFs()));
  ASSERT_TRUE(watcher.watch("b", b.record(), proc::ProcFs()));
  EXPECT_EQ(watcher.watched(), 2u);
  EXPECT_TRUE(watcher.takeExited().empty());
  ::kill(b.pid, SIGKILL);
  ASSERT_TRUE(readableWithin(watcher.fd(), 2000));
  auto ended = watcher.takeExited();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].id, "b");
  EXPECT_EQ(ended[0].what, Watched::Shim);
  EXPECT_EQ(watcher.watched(), 1u);
}

TEST(ExitWatch, APid1WithoutItsShimIsWatchedItself) {
  // The record names a shim that is gone (its start time differs) and a PID 1 that runs.
  Child pid1;
  PidRecord record;
  record.pid = pid1.pid;
  record.startTimeTicks = proc::ProcFs().readStat(pid1.pid)->startTimeTicks;
  record.shimPid = ::getpid();
  record.shimStartTimeTicks = 1;
  ExitWatcher watcher;
  EXPECT_FALSE(watcher.watch("c", record, proc::ProcFs()));
  ASSERT_TRUE(watcher.watchPid1("c", record, proc::ProcFs()));
  ::kill(pid1.pid, SIGKILL);
  ASSERT_TRUE(readableWithin(watcher.fd(), 2000));
  auto ended = watcher.takeExited();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].id, "c");
  EXPECT_EQ(ended[0].what, Watched::Pid1);
}

TEST(FileChangeWatch, EveryWaiterOnAFileIsWokenAndAnEndedOneCostsNothing) {
  fixture::FixtureTree dir;
  std::string path = dir.root() + "/log";
  std::ofstream(path) << "";
  FileChangeWatch watch;
  auto first = watch.subscribe(path);
  auto second = watch.subscribe(path);
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(readableWithin(first->fd(), 20));
  std::ofstream(path, std::ios::app) << "line\n";
  EXPECT_TRUE(readableWithin(first->fd(), 2000));
  EXPECT_TRUE(readableWithin(second->fd(), 2000));
  // The first waiter leaves; the second, on the same watch descriptor, still hears.
  { auto gone = std::move(*first); }
  uint64_t count;
  ASSERT_EQ(::read(second->fd(), &count, sizeof count), static_cast<ssize_t>(sizeof count));
  std::ofstream(path, std::ios::app) << "more\n";
  EXPECT_TRUE(readableWithin(second->fd(), 2000));
  EXPECT_FALSE(watch.subscribe(dir.root() + "/missing"));
}

}  // namespace
}  // namespace agent::container
