// Freezing stops a group's CPU use completely; thawing resumes it; the state query tells a
// group frozen itself from one frozen by its parent.
#include "HostTestSupport.h"

#include <thread>

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;

TEST(Freezer, FrozenGroupUsesNoCpuAndResumesAfterThaw) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("frz");
  ChildProcess child(busyLoop);
  ASSERT_TRUE(group.attach(child.pid()));
  child.release();
  std::this_thread::sleep_for(200ms);

  auto frozen = group.freeze();
  ASSERT_TRUE(frozen) << frozen.error().message();
  auto status = group.freezerStatus();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, cgroup::FreezerState::Frozen);
  EXPECT_TRUE(status->selfFrozen);
  EXPECT_FALSE(status->parentFrozen);

  uint64_t u0 = cpuUsageNs(group);
  std::this_thread::sleep_for(1000ms);
  uint64_t u1 = cpuUsageNs(group);
  std::printf("cpu while frozen for 1 s: %lu ns\n", static_cast<unsigned long>(u1 - u0));
  EXPECT_EQ(u1, u0) << "a frozen group must not run";

  auto thawed = group.thaw();
  ASSERT_TRUE(thawed) << thawed.error().message();
  status = group.freezerStatus();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, cgroup::FreezerState::Thawed);
  double share = measureCpuShare(group, 500ms);
  std::printf("cpu share after thaw: %.1f%%\n", share * 100);
  EXPECT_GT(share, 0.3);
}

TEST(Freezer, ChildOfAFrozenParentReportsFrozenByParent) {
  TestParent parent;
  cgroup::Cgroup outer = parent.child("outer");
  auto inner = cgroup::Cgroup::create(HostEnvironment::hierarchy(), outer.path() + "/inner",
                                      HostEnvironment::hierarchy().available(cgroup::containerControllers()));
  ASSERT_TRUE(inner) << inner.error().message();
  ChildProcess child(busyLoop);
  ASSERT_TRUE(inner->attach(child.pid()));
  child.release();

  ASSERT_TRUE(outer.freeze());
  auto status = inner->freezerStatus();
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_EQ(status->state, cgroup::FreezerState::Frozen);
  EXPECT_FALSE(status->selfFrozen);
  EXPECT_TRUE(status->parentFrozen);

  // Thawing the inner group cannot undo the parent's freeze, and says why.
  auto thawed = inner->thaw(300ms);
  ASSERT_FALSE(thawed);
  EXPECT_NE(thawed.error().message().find("ancestor"), std::string::npos) << thawed.error().message();

  ASSERT_TRUE(outer.thaw());
  status = inner->freezerStatus();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, cgroup::FreezerState::Thawed);
  EXPECT_FALSE(status->parentFrozen);
}
