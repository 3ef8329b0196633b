// With pids.max = 16 a fork loop cannot exceed 16 tasks.
#include "HostTestSupport.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;

TEST(PidsLimit, ForkLoopStopsAtSixteenTasks) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("pids");
  cgroup::Limits limits;
  limits.pidsMax = cgroup::Bound::of(16);
  ASSERT_TRUE(group.applyLimits(limits));

  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  ChildProcess child([&] {
    ::close(report[0]);
    int forked = 0, refused = 0;
    for (int i = 0; i < 64; ++i) {
      pid_t pid = ::fork();
      if (pid == 0) {
        ::pause();
        ::_exit(0);
      }
      if (pid > 0)
        ++forked;
      else
        ++refused;
    }
    int counts[2] = {forked, refused};
    (void)!::write(report[1], counts, sizeof counts);
    ::pause();
    return 0;
  });
  ::close(report[1]);
  ASSERT_TRUE(group.attach(child.pid()));
  child.release();
  int counts[2] = {-1, -1};
  ASSERT_EQ(::read(report[0], counts, sizeof counts), static_cast<ssize_t>(sizeof counts));
  ::close(report[0]);

  cgroup::Stats stats;
  ASSERT_TRUE(group.readStats(stats));
  std::printf("forks: %d succeeded, %d refused; pids.current %lu (max 16)\n", counts[0], counts[1],
              static_cast<unsigned long>(stats.pids.current.value_or(0)));
  EXPECT_EQ(counts[0], 15);  // 16 tasks with the forking child itself
  EXPECT_EQ(counts[1], 64 - 15);
  EXPECT_EQ(stats.pids.current, 16u);
  EXPECT_EQ(stats.pids.max, cgroup::Bound::of(16));

  auto killed = group.killAll();
  ASSERT_TRUE(killed) << killed.error().message();
}
