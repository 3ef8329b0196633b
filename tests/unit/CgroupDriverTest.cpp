// The cgroup driver's choice (agent/CgroupDriver.h) and systemd's slice names
// (runtime/systemd/SliceName.h): what `cgroup_driver` and `cgroup_parent` mean on each host.
#include "CgroupDriver.h"

#include <gtest/gtest.h>

#include "SliceName.h"

using namespace agent;

TEST(SliceName, ADashNestsASliceAsSystemdDoes) {
  EXPECT_EQ(*systemd::slicePath("agent.slice"), "/agent.slice");
  EXPECT_EQ(*systemd::slicePath("machine-agent.slice"), "/machine.slice/machine-agent.slice");
  EXPECT_EQ(*systemd::slicePath("a-b-c.slice"), "/a.slice/a-b.slice/a-b-c.slice");
  EXPECT_EQ(*systemd::slicePath("-.slice"), "/");
  for (const char* bad :
       {"agent", "/agent.slice", "-agent.slice", "agent-.slice", "a--b.slice", ".slice", "a b.slice"}) {
    auto refused = systemd::slicePath(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message().find("is not a systemd slice name"), std::string::npos) << bad;
  }
}

TEST(CgroupDriver, AutoIsSystemdOnlyWhereSystemdIsPid1OnCgroupV2) {
  auto underSystemd = chooseCgroupDriver("auto", "/agent", true, true);
  ASSERT_TRUE(underSystemd);
  EXPECT_TRUE(underSystemd->systemd);
  EXPECT_EQ(underSystemd->slice, "agent.slice");  // the default parent means the default slice
  EXPECT_EQ(underSystemd->parentPath, "/agent.slice");
  for (auto [booted, unified] : {std::pair{true, false}, std::pair{false, true}, std::pair{false, false}}) {
    auto elsewhere = chooseCgroupDriver("auto", "/agent", booted, unified);
    ASSERT_TRUE(elsewhere);
    EXPECT_FALSE(elsewhere->systemd);
    EXPECT_EQ(elsewhere->parentPath, "/agent");
  }
}

TEST(CgroupDriver, EachDriverTakesItsOwnKindOfParentAndSaysWhatToDoOtherwise) {
  EXPECT_EQ(chooseCgroupDriver("systemd", "machine-agent.slice", true, true)->parentPath,
            "/machine.slice/machine-agent.slice");
  EXPECT_EQ(chooseCgroupDriver("cgroupfs", "/agent-test/x", true, true)->parentPath, "/agent-test/x");
  auto pathUnderSystemd = chooseCgroupDriver("auto", "/custom", true, true);
  ASSERT_FALSE(pathUnderSystemd);
  EXPECT_NE(pathUnderSystemd.error().message().find("cgroup_driver: cgroupfs"), std::string::npos);
  auto sliceWithoutSystemd = chooseCgroupDriver("auto", "agent.slice", false, false);
  ASSERT_FALSE(sliceWithoutSystemd);
  EXPECT_NE(sliceWithoutSystemd.error().message().find("is a systemd slice"), std::string::npos);
  auto systemdAbsent = chooseCgroupDriver("systemd", "/agent", false, false);
  ASSERT_FALSE(systemdAbsent);
  EXPECT_NE(systemdAbsent.error().message().find("needs systemd as PID 1 on cgroup v2"), std::string::npos);
  EXPECT_FALSE(chooseCgroupDriver("runc", "/agent", true, true));
  EXPECT_FALSE(chooseCgroupDriver("cgroupfs", "relative", false, false));
}
