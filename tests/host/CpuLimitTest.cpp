// A busy-looping child limited by CFS bandwidth uses what the limit says, measured from the
// cgroup's own usage counter against wall time.
#include "HostTestSupport.h"

#include <thread>

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;

namespace {
void expectShareUnderLimit(double cpus, double low, double high) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("cpu");
  cgroup::Limits limits;
  limits.cpu = cgroup::CpuQuota::fromCpus(cpus);
  ASSERT_TRUE(group.applyLimits(limits));

  ChildProcess child(busyLoop);
  auto attached = group.attach(child.pid());
  ASSERT_TRUE(attached) << attached.error().message();
  child.release();
  std::this_thread::sleep_for(300ms);  // past the first, unthrottled period
  double share = measureCpuShare(group, 2500ms);
  ::testing::Test::RecordProperty("cpu_share_percent", std::to_string(share * 100));
  std::printf("limit %.0f%% of one CPU: measured %.1f%%\n", cpus * 100, share * 100);
  EXPECT_GE(share, low);
  EXPECT_LE(share, high);

  cgroup::Stats stats;
  ASSERT_TRUE(group.readStats(stats));
  EXPECT_GT(stats.cpu.throttledPeriods.value_or(0), 0u) << "the kernel should report throttling";
}
}  // namespace

TEST(CpuLimit, HalfACpuUses45To55Percent) {
  expectShareUnderLimit(0.5, 0.45, 0.55);
}

TEST(CpuLimit, QuarterCpuUses20To30Percent) {
  expectShareUnderLimit(0.25, 0.20, 0.30);
}

TEST(CpuLimit, RemovingTheLimitLetsItRunFree) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("cpu");
  cgroup::Limits limits;
  limits.cpu = cgroup::CpuQuota::fromCpus(0.25);
  ASSERT_TRUE(group.applyLimits(limits));
  limits.cpu = cgroup::CpuQuota{cgroup::Bound::unlimited(), cgroup::kDefaultCpuPeriodUs};
  ASSERT_TRUE(group.applyLimits(limits));
  auto read = group.readLimits();
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->cpu->quotaUs.isUnlimited());

  ChildProcess child(busyLoop);
  ASSERT_TRUE(group.attach(child.pid()));
  child.release();
  std::this_thread::sleep_for(200ms);
  EXPECT_GT(measureCpuShare(group, 1000ms), 0.6);
}
