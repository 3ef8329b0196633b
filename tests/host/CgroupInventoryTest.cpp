// The event-driven inventory on this kernel (v1 hierarchies here, cgroup2 in the vm tier):
// groups made, removed and renamed under the test's parent show up after a refresh without
// another walk, and it agrees with a fresh walk.
#include <gtest/gtest.h>
#include <stdio.h>

#include <cstring>

#include <algorithm>

#include "CgroupInventory.h"
#include "CgroupWalk.h"
#include "HostTestSupport.h"

using namespace agent;
using namespace agent::hosttest;

namespace {

std::vector<std::string> under(const std::vector<std::string>& paths, const std::string& parent) {
  std::vector<std::string> out;
  for (const auto& p : paths)
    if (p.compare(0, parent.size() + 1, parent + "/") == 0) out.push_back(p);
  return out;
}

size_t depthOf(const std::string& path) {
  return static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
}

// The controllers a collector reads (the inventory covers their hierarchies).
cgroup::ControllerSet sampled() {
  return HostEnvironment::hierarchy().available(cgroup::containerControllers());
}

}  // namespace

TEST(CgroupInventory, SeesGroupsMadeAndRemovedWithoutWalkingAgain) {
  TestParent parent;
  cgroup::CgroupInventory inventory(HostEnvironment::hierarchy(), sampled(), 32);
  ASSERT_TRUE(inventory.refresh());
  ASSERT_TRUE(inventory.watching()) << "inotify watches could not be set up here";
  EXPECT_EQ(inventory.paths().front(), "/");
  EXPECT_TRUE(under(inventory.paths(), parent.path()).empty());

  auto a = parent.child("a");
  auto b = parent.child("a/b");
  auto dash = parent.child("a-b");  // sorts between "a" and "a/b"
  ASSERT_TRUE(inventory.refresh());
  std::vector<std::string> expected = {parent.path() + "/a", parent.path() + "/a-b", parent.path() + "/a/b"};
  EXPECT_EQ(under(inventory.paths(), parent.path()), expected);

  ASSERT_TRUE(b.remove());
  ASSERT_TRUE(dash.remove());
  ASSERT_TRUE(inventory.refresh());
  EXPECT_EQ(under(inventory.paths(), parent.path()), std::vector<std::string>{parent.path() + "/a"});
  EXPECT_EQ(inventory.walks(), 1u) << "a refresh walked again instead of reading events";

  // The same as a walk made now.
  auto walked = cgroup::listCgroups(HostEnvironment::hierarchy(), 32, sampled());
  ASSERT_TRUE(walked);
  EXPECT_EQ(under(inventory.paths(), parent.path()), under(walked->paths, parent.path()));
}

TEST(CgroupInventory, FollowsARenamedGroupAndWhatIsBelowIt) {
  TestParent parent;
  auto a = parent.child("a");
  auto below = parent.child("a/below");
  cgroup::CgroupInventory inventory(HostEnvironment::hierarchy(), sampled(), 32);
  ASSERT_TRUE(inventory.refresh());
  // Rename in every hierarchy the group lives in, as a runtime would. cgroup2 refuses
  // rename(2) (only v1 has it), so a unified host can only check that.
  for (const auto& mountPoint : cgroup::mountPointsFor(HostEnvironment::hierarchy(), sampled())) {
    std::string from = mountPoint + parent.path() + "/a", to = mountPoint + parent.path() + "/renamed";
    int renamed = ::rename(from.c_str(), to.c_str());
    if (HostEnvironment::hierarchy().mode() == cgroup::CgroupMode::Unified) {
      EXPECT_NE(renamed, 0) << "cgroup2 renamed a group";
      ASSERT_TRUE(inventory.refresh());
      EXPECT_EQ(under(inventory.paths(), parent.path()),
                (std::vector<std::string>{parent.path() + "/a", parent.path() + "/a/below"}));
      return;
    }
    ASSERT_EQ(renamed, 0) << from << ": " << std::strerror(errno);
  }
  ASSERT_TRUE(inventory.refresh());
  std::vector<std::string> expected = {parent.path() + "/renamed", parent.path() + "/renamed/below"};
  EXPECT_EQ(under(inventory.paths(), parent.path()), expected);
  EXPECT_EQ(inventory.walks(), 1u);
  // A group made below the renamed one after the move is seen under its new name.
  auto after = parent.child("renamed/after");
  ASSERT_TRUE(inventory.refresh());
  expected = {parent.path() + "/renamed", parent.path() + "/renamed/after", parent.path() + "/renamed/below"};
  EXPECT_EQ(under(inventory.paths(), parent.path()), expected);
}

TEST(CgroupInventory, CountsGroupsBelowTheDepthLimitWithoutListingThem) {
  TestParent parent;
  size_t maxDepth = depthOf(parent.path()) + 1;  // the parent's children, not theirs
  auto a = parent.child("a");
  cgroup::CgroupInventory inventory(HostEnvironment::hierarchy(), sampled(), maxDepth);
  ASSERT_TRUE(inventory.refresh());
  size_t cutBefore = inventory.cutAtDepth();
  auto deep = parent.child("a/deep");
  ASSERT_TRUE(inventory.refresh());
  EXPECT_EQ(under(inventory.paths(), parent.path()), std::vector<std::string>{parent.path() + "/a"});
  EXPECT_EQ(inventory.cutAtDepth(), cutBefore + 1);
  ASSERT_TRUE(deep.remove());
  ASSERT_TRUE(inventory.refresh());
  EXPECT_EQ(inventory.cutAtDepth(), cutBefore);
}

TEST(CgroupInventory, ReportsTheGroupsWhoseControlFilesWereWritten) {
  TestParent parent;
  auto a = parent.child("a");
  auto b = parent.child("b");
  cgroup::CgroupInventory inventory(HostEnvironment::hierarchy(), sampled(), 32);
  ASSERT_TRUE(inventory.refresh());
  EXPECT_TRUE(inventory.takeWritten().all) << "after a walk, anything may have been written";
  ASSERT_TRUE(inventory.refresh());
  EXPECT_FALSE(inventory.takeWritten().all);

  cgroup::Limits limits;
  limits.pidsMax = cgroup::Bound::of(50);
  ASSERT_TRUE(b.applyLimits(limits));
  ASSERT_TRUE(inventory.refresh());
  auto written = inventory.takeWritten();
  EXPECT_FALSE(written.all);
  EXPECT_EQ(under(written.paths, parent.path()), std::vector<std::string>{parent.path() + "/b"});
  ASSERT_TRUE(inventory.refresh());
  EXPECT_TRUE(under(inventory.takeWritten().paths, parent.path()).empty()) << "reported once";
  // A group made since is reported as well: it may replace one of the same name.
  auto c = parent.child("c");
  ASSERT_TRUE(inventory.refresh());
  EXPECT_EQ(under(inventory.takeWritten().paths, parent.path()), std::vector<std::string>{parent.path() + "/c"});
}
