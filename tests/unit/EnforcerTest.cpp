// The enforcer on fixture trees: a group that exists in some hierarchies only takes the
// limits it can hold and says why not the others; a value the kernel holds in its own form
// (page-rounded, a huge number) is not written again.
#include <gtest/gtest.h>

#include "Cgroup.h"
#include "Enforcer.h"
#include "FixtureTree.h"
#include "Quantity.h"
#include "RecordingLimitFiles.h"

using namespace agent;
using namespace agent::cgroup;
using agent::fixture::FixtureTree;

namespace {

// v1 with cpu, memory and pids mounted apart, 4 KiB pages.
Hierarchy v1Hierarchy(FixtureTree& tree) {
  std::string cg = tree.path("cg");
  std::string mountinfo;
  int id = 40;
  for (const char* c : {"cpu", "memory", "pids"}) {
    tree.dir(std::string("cg/") + c);
    mountinfo += std::to_string(id) + " 31 0:" + std::to_string(id) + " / " + cg + "/" + c + " rw - cgroup cgroup rw," +
                 c + "\n";
    ++id;
  }
  auto h = Hierarchy::fromMounts(proc::parseMountinfo(mountinfo), cg, false, "");
  EXPECT_TRUE(h);
  h->setPageSize(4096);
  return *h;
}

void v1CpuFiles(FixtureTree& tree, const std::string& dir) {
  tree.file(dir + "/cpu.cfs_quota_us", "-1\n").file(dir + "/cpu.cfs_period_us", "100000\n");
  tree.file(dir + "/cpu.shares", "1024\n");
}

policies::LimitSet limits(const nlohmann::json& json) {
  auto set = policies::limitSetFromJson(json, 4);
  EXPECT_TRUE(set);
  return *set;
}

const policies::Change& changeOf(const std::vector<policies::Change>& changes, policies::Resource r) {
  for (const auto& c : changes)
    if (c.resource == r) return c;
  throw std::runtime_error("no change for the resource");
}

}  // namespace

// A systemd v1 unit without memory accounting: in cpu and pids, not in memory. `limit
// --cpu 90%` on it failed with "no such cgroup"; now cpu is set and memory refused, naming
// the hierarchy.
TEST(Enforcer, AGroupMissingFromAHierarchyTakesTheOthers) {
  FixtureTree tree;
  Hierarchy h = v1Hierarchy(tree);
  const std::string unit = "/system.slice/cron.service";
  v1CpuFiles(tree, "cg/cpu" + unit);
  tree.file("cg/pids" + unit + "/pids.max", "max\n");
  EXPECT_FALSE(Cgroup::open(h, unit, {Controller::Cpu, Controller::Memory, Controller::Pids}));
  auto group = Cgroup::openWherePresent(h, unit, {Controller::Cpu, Controller::Memory, Controller::Pids});
  ASSERT_TRUE(group) << group.error().message();
  std::string why = group->whyNoLimit(Controller::Memory).value_or("");
  EXPECT_EQ(why, "the group has no directory in the memory hierarchy (" + tree.path("cg/memory") + unit + ")");
  EXPECT_FALSE(group->whyNoLimit(Controller::Cpu));

  auto changes = policies::enforce(*group, limits({{"cpu", "90%"}, {"memory", "256Mi"}, {"pids", "100"}}), true);
  ASSERT_TRUE(changes) << changes.error().message();
  const auto& cpu = changeOf(*changes, policies::Resource::Cpu);
  EXPECT_TRUE(cpu.written);
  EXPECT_EQ(cpu.before + " -> " + cpu.after, "max -> 90%");
  EXPECT_EQ(cpu.note, "");
  EXPECT_EQ(tree.read("cg/cpu" + unit + "/cpu.cfs_quota_us"), "90000");
  EXPECT_EQ(tree.read("cg/pids" + unit + "/pids.max"), "100");
  const auto& memory = changeOf(*changes, policies::Resource::Memory);
  EXPECT_FALSE(memory.written);
  EXPECT_TRUE(memory.unavailable);
  EXPECT_EQ(memory.error, why + ", so it takes no memory limit");

  // In no hierarchy at all: no such cgroup, saying where it looked.
  auto none = Cgroup::openWherePresent(h, "/nowhere", {Controller::Cpu, Controller::Memory, Controller::Pids});
  ASSERT_FALSE(none);
  EXPECT_TRUE(none.error().isGone());
  EXPECT_NE(none.error().message().find("none of the cpu, memory, pids hierarchies has it"), std::string::npos);
}

// cgroup v2: the directory is there, but the parent does not enable memory for it.
TEST(Enforcer, AV2GroupWithoutTheMemoryControllerSaysSo) {
  FixtureTree tree;
  std::string cg = tree.path("cg");
  tree.file("cg/cgroup.controllers", "cpu memory pids\n").file("cg/cgroup.subtree_control", "cpu pids\n");
  tree.file("cg/unit/cpu.max", "max 100000\n").file("cg/unit/cpu.weight", "100\n").file("cg/unit/pids.max", "max\n");
  tree.file("cg/unit/cgroup.procs", "");
  auto h = Hierarchy::fromMounts(proc::parseMountinfo("30 25 0:27 / " + cg + " rw - cgroup2 cgroup2 rw\n"), cg, true,
                                 "cpu memory pids\n");
  ASSERT_TRUE(h);
  auto group = Cgroup::openWherePresent(*h, "/unit", {Controller::Cpu, Controller::Memory, Controller::Pids});
  ASSERT_TRUE(group) << group.error().message();
  auto read = group->readLimits();
  ASSERT_TRUE(read) << read.error().message();  // no memory.max: memory left empty, not an error
  EXPECT_FALSE(read->memoryMax);
  EXPECT_EQ(read->pidsMax, Bound::unlimited());
  auto changes = policies::enforce(*group, limits({{"cpu", "20%"}, {"memory", "256Mi"}}), true);
  ASSERT_TRUE(changes) << changes.error().message();
  EXPECT_EQ(tree.read("cg/unit/cpu.max"), "20000 100000");
  const auto& memory = changeOf(*changes, policies::Resource::Memory);
  EXPECT_TRUE(memory.unavailable);
  EXPECT_NE(memory.error.find("the memory controller is not enabled for the group"), std::string::npos) << memory.error;
  EXPECT_NE(memory.error.find("cgroup.subtree_control lacks +memory"), std::string::npos) << memory.error;
}

// The kernel kept 100000001 as 99999744: the same limit, not drift to put back.
TEST(Enforcer, APageRoundedMemoryLimitIsNotWrittenAgain) {
  FixtureTree tree;
  Hierarchy h = v1Hierarchy(tree);
  tree.file("cg/memory/g/memory.limit_in_bytes", "99999744\n");
  tree.file("cg/memory/g/memory.memsw.limit_in_bytes", "9223372036854771712\n");
  auto group = Cgroup::openWherePresent(h, "/g", {Controller::Memory});
  ASSERT_TRUE(group);
  auto changes = policies::enforce(*group, limits({{"memory", "100000001"}}), true);
  ASSERT_TRUE(changes);
  const auto& c = changes->front();
  EXPECT_FALSE(c.written) << "written again: " << c.before << " -> " << c.after;
  EXPECT_EQ(c.before, "97656Ki");
  EXPECT_EQ(c.after, "97656Ki");
  EXPECT_EQ(c.note, "the kernel keeps whole 4096-byte pages: 100000001 is held as 97656Ki (99999744 bytes)");
  EXPECT_EQ(tree.read("cg/memory/g/memory.limit_in_bytes"), "99999744\n");

  // What a write sends is the kernel's form, so a fixture file holds what a kernel would.
  tree.file("cg/memory/g/memory.limit_in_bytes", "9223372036854771712\n");
  changes = policies::enforce(*group, limits({{"memory", "1000000000"}}), true);
  ASSERT_TRUE(changes);
  EXPECT_TRUE(changes->front().written);
  EXPECT_EQ(tree.read("cg/memory/g/memory.limit_in_bytes"), "999997440");
  EXPECT_EQ(changes->front().after, "976560Ki");  // read back
}

// 8000000Ti is a limit the kernel keeps; it read back as "max" and was written every pass.
TEST(Enforcer, AHugeMemoryLimitReadsBackAsItself) {
  FixtureTree tree;
  Hierarchy h = v1Hierarchy(tree);
  tree.file("cg/memory/g/memory.limit_in_bytes", "8796093022208000000\n");
  auto group = Cgroup::openWherePresent(h, "/g", {Controller::Memory});
  ASSERT_TRUE(group);
  auto changes = policies::enforce(*group, limits({{"memory", "8000000Ti"}}), true);
  ASSERT_TRUE(changes);
  EXPECT_FALSE(changes->front().written);
  EXPECT_EQ(changes->front().before, "8000000Ti");
  // Above the kernel's cap is no limit: `max`, said so.
  changes = policies::enforce(*group, limits({{"memory", "8388608Ti"}}), false);
  ASSERT_TRUE(changes);
  EXPECT_EQ(changes->front().after, "max");
  EXPECT_NE(changes->front().note.find("at or above the kernel's cap on memory limits"), std::string::npos);
}

// The enforcer's logic through a recording group: only what differs is written, one
// resource per write, so each has its own outcome.
TEST(Enforcer, WritesOnlyWhatDiffersOneResourceAtATime) {
  policies::testing::RecordingLimitFiles group;
  group.held.pidsMax = Bound::of(64);
  auto changes = policies::enforce(group, limits({{"cpu", "50%"}, {"memory", "256Mi"}, {"pids", "64"}}), true);
  ASSERT_TRUE(changes);
  ASSERT_EQ(group.writes.size(), 2u) << "pids already held 64";
  EXPECT_TRUE(group.writes[0].cpu && !group.writes[0].memoryMax && !group.writes[0].pidsMax);
  EXPECT_TRUE(group.writes[1].memoryMax && !group.writes[1].cpu && !group.writes[1].pidsMax);
  EXPECT_EQ(changeOf(*changes, policies::Resource::Cpu).before, "max");
  EXPECT_EQ(changeOf(*changes, policies::Resource::Cpu).after, "50%");
  EXPECT_FALSE(changeOf(*changes, policies::Resource::Pids).written);
  // Again: the group holds it all, nothing is written (the reconciler is idempotent).
  ASSERT_TRUE(policies::enforce(group, limits({{"cpu", "50%"}, {"memory", "256Mi"}, {"pids", "64"}}), true));
  EXPECT_EQ(group.writes.size(), 2u);
}

// `enforce: false`: nothing is written, and the changes say what a write would make.
TEST(Enforcer, WithoutWriteNothingIsWrittenAndTheChangeSaysWhatWouldBe) {
  policies::testing::RecordingLimitFiles group;
  auto changes = policies::enforce(group, limits({{"cpu", "50%"}, {"pids", "10"}}), false);
  ASSERT_TRUE(changes);
  EXPECT_TRUE(group.writes.empty());
  for (const auto& c : *changes) {
    EXPECT_FALSE(c.written);
    EXPECT_EQ(c.before, "max");
  }
  EXPECT_EQ(changeOf(*changes, policies::Resource::Cpu).after, "50%");
  EXPECT_EQ(changeOf(*changes, policies::Resource::Pids).after, "10");
}

// A refused write is that resource's error, in words; the others are still written.
TEST(Enforcer, ARefusedResourceIsItsOwnErrorAndTheOthersAreWritten) {
  policies::testing::RecordingLimitFiles group;
  group.refuse[Controller::Memory] = EACCES;
  group.missing[Controller::Pids] = "the group has no directory in the pids hierarchy (/x)";
  auto changes = policies::enforce(group, limits({{"cpu", "25%"}, {"memory", "64Mi"}, {"pids", "10"}}), true);
  ASSERT_TRUE(changes);
  EXPECT_TRUE(changeOf(*changes, policies::Resource::Cpu).written);
  const auto& memory = changeOf(*changes, policies::Resource::Memory);
  EXPECT_FALSE(memory.written);
  EXPECT_NE(memory.error.find("agentd may not write it"), std::string::npos) << memory.error;
  EXPECT_NE(memory.error.find("memory stays max"), std::string::npos) << memory.error;
  const auto& pids = changeOf(*changes, policies::Resource::Pids);
  EXPECT_TRUE(pids.unavailable);
  EXPECT_EQ(pids.error, "the group has no directory in the pids hierarchy (/x), so it takes no pids limit");
  EXPECT_EQ(group.held.cpu->quotaUs, Bound::of(25000));
}
