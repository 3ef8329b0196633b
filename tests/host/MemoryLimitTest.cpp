// A child that allocates four times its memory limit is OOM-killed, and the group's
// oom-kill counter says so.
#include "HostTestSupport.h"

#include <signal.h>
#include <sys/wait.h>

#include <cstring>
#include <vector>

using namespace agent;
using namespace agent::hosttest;

TEST(MemoryLimit, AllocatingFourTimesTheLimitIsOomKilled) {
  constexpr uint64_t kLimit = 32ull << 20;
  TestParent parent;
  cgroup::Cgroup group = parent.child("mem");
  cgroup::Limits limits;
  limits.memoryMax = cgroup::Bound::of(kLimit);
  auto before = group.readLimits();
  ASSERT_TRUE(before);
  if (before->swapMax) limits.swapMax = cgroup::Bound::of(0);  // no escape into swap
  auto applied = group.applyLimits(limits);
  ASSERT_TRUE(applied) << applied.error().message();

  cgroup::Stats stats;
  ASSERT_TRUE(group.readStats(stats));
  uint64_t oomBefore = stats.memory.oomKills.value_or(0);
  ASSERT_TRUE(stats.memory.oomKills.has_value()) << "this kernel does not count OOM kills per cgroup";

  ChildProcess child([] {
    std::vector<char*> blocks;
    for (uint64_t total = 0; total < 4 * kLimit; total += 1 << 20) {
      char* block = static_cast<char*>(std::malloc(1 << 20));
      if (block == nullptr) return 2;
      std::memset(block, 0xa5, 1 << 20);  // touch every page so it is really charged
      blocks.push_back(block);
    }
    return 0;  // reached only if the limit did not hold
  });
  ASSERT_TRUE(group.attach(child.pid()));
  child.release();
  int status = child.wait();
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status) << " instead of being killed";
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  ASSERT_TRUE(group.readStats(stats));
  std::printf("oom kills: %lu -> %lu, max usage %lu bytes (limit %lu)\n", static_cast<unsigned long>(oomBefore),
              static_cast<unsigned long>(stats.memory.oomKills.value_or(0)),
              static_cast<unsigned long>(stats.memory.maxUsageBytes.value_or(0)), static_cast<unsigned long>(kLimit));
  EXPECT_GT(stats.memory.oomKills.value_or(0), oomBefore);
  if (stats.memory.maxUsageBytes) {
    EXPECT_LE(*stats.memory.maxUsageBytes, kLimit);
  }
}

TEST(MemoryLimit, LimitsRoundTripThroughTheKernel) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("mem");
  cgroup::Limits limits;
  limits.memoryMax = cgroup::Bound::of(256ull << 20);
  ASSERT_TRUE(group.applyLimits(limits));
  auto read = group.readLimits();
  ASSERT_TRUE(read);
  EXPECT_EQ(read->memoryMax, cgroup::Bound::of(256ull << 20));
  limits.memoryMax = cgroup::Bound::unlimited();
  ASSERT_TRUE(group.applyLimits(limits));
  read = group.readLimits();
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->memoryMax->isUnlimited());
}
