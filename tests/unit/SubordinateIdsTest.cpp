// /etc/subuid and /etc/subgid as shadow's tools write them, and the slots --userns auto cuts
// from them (runtime/userns, runtime/container/IdRangeAllotment.h).
#include <gtest/gtest.h>

#include "FixtureTree.h"
#include "IdRangeAllotment.h"
#include "IdSlots.h"
#include "SubordinateIds.h"

using namespace agent;
using namespace agent::userns;
using agent::fixture::FixtureTree;

TEST(SubordinateIds, TakesEveryLineOfTheUserByNameOrUid) {
  // What `usermod --add-subuids` and `useradd` leave: other users first, ours on two lines.
  std::string_view file =
      "alice:100000:65536\n"
      "agent:100000000:131072\n"
      "\n"
      "# added by hand\n"
      "998:300000000:65536\n"
      "agentx:500000000:65536\n"
      "agent:400000000:1000";
  auto ranges = subordinateRangesOf(file, "agent", 998, "/etc/subuid");
  ASSERT_TRUE(ranges) << ranges.error().message();
  EXPECT_EQ(*ranges, (std::vector<IdRange>{{100000000, 131072}, {300000000, 65536}, {400000000, 1000}}));
  auto byNameOnly = subordinateRangesOf(file, "agent", std::nullopt, "/etc/subuid");
  ASSERT_TRUE(byNameOnly);
  EXPECT_EQ(byNameOnly->size(), 2u);
  EXPECT_TRUE(subordinateRangesOf("", "agent", std::nullopt, "/etc/subuid")->empty());
}

TEST(SubordinateIds, AMalformedLineOfTheUserIsAnErrorNamingItAnotherUsersIsNotOurs) {
  auto others = subordinateRangesOf("bob:x:y\nbob\nagent:1000:65536\n", "agent", std::nullopt, "/etc/subuid");
  ASSERT_TRUE(others) << others.error().message();
  EXPECT_EQ(others->size(), 1u);
  for (std::string_view bad : {"agent:1000\n", "agent:1000:-5\n", "agent:abc:65536\n", "agent:1000:0\n",
                               "agent:4294967295:65536\n", "agent:1000:65536:9\n", "agent: 1000 :65536x\n"}) {
    std::string text = "bob:1:2\n" + std::string(bad);
    auto refused = subordinateRangesOf(text, "agent", std::nullopt, "/etc/subuid");
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message().find("line 2"), std::string::npos) << refused.error().message();
    EXPECT_NE(refused.error().message().find("/etc/subuid"), std::string::npos) << refused.error().message();
  }
}

TEST(IdSlots, RangesAreCutIntoWholeSlotsPairedInOrder) {
  auto slots = slotsOf({{100000, 65536 * 2 + 5}, {900000, 1000}, {2000000, 65536}}, {{300000, 65536 * 3}});
  EXPECT_EQ(slots, (std::vector<IdMapping>{{100000, 300000, 65536},
                                           {100000 + 65536, 300000 + 65536, 65536},
                                           {2000000, 300000 + 2 * 65536, 65536}}));
  EXPECT_TRUE(slotsOf({{1, 65535}}, {{1, 65536}}).empty());
}

TEST(IdSlots, TheFirstSlotNoContainerOverlapsIsGiven) {
  auto slots = slotsOf({{100000, 65536 * 3}}, {{100000, 65536 * 3}});
  ASSERT_EQ(slots.size(), 3u);
  EXPECT_EQ(firstFreeSlot(slots, {}), slots[0]);
  EXPECT_EQ(firstFreeSlot(slots, {slots[0]}), slots[1]);
  EXPECT_EQ(firstFreeSlot(slots, {slots[1]}), slots[0]);  // a released slot is given again
  // A range held from before the files changed: overlapping a slot is enough to take it.
  EXPECT_EQ(firstFreeSlot(slots, {IdMapping{100000 + 65536 - 1, 1, 2}}), slots[2]);
  EXPECT_EQ(firstFreeSlot(slots, {IdMapping{1, 100000 + 10, 5}}), slots[1]);
  EXPECT_FALSE(firstFreeSlot(slots, slots));
}

TEST(IdRangeAllotment, RangesHeldByRecordsAreNotGivenAndAMissingUserSaysWhatToDo) {
  FixtureTree tree;
  tree.file("subuid", "agent:100000000:196608\n");
  tree.file("subgid", "agent:200000000:196608\n");
  container::SubordinateIdSource source{"agent", tree.path("subuid"), tree.path("subgid")};
  container::StateStore store(tree.path("containers"));
  auto first = container::allotIdRange(source, *container::heldIdRanges(store));
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(*first, (IdMapping{100000000, 200000000, 65536}));

  container::ContainerConfig config;
  config.spec.id = "aaa";
  config.spec.userns = *first;
  ASSERT_TRUE(store.create(config));
  config.spec.id = "bbb";
  config.spec.userns.reset();
  ASSERT_TRUE(store.create(config));
  auto held = container::heldIdRanges(store);
  ASSERT_TRUE(held) << held.error().message();
  EXPECT_EQ(*held, std::vector<IdMapping>{*first});
  auto second = container::allotIdRange(source, *held);
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, (IdMapping{100000000 + 65536, 200000000 + 65536, 65536}));

  auto none = container::allotIdRange({"nobody-here", tree.path("subuid"), tree.path("subgid")}, {});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("install-deps.sh"), std::string::npos) << none.error().message();
  auto full = container::allotIdRange(source, {{100000000, 200000000, 65536 * 3}});
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().errnum, EBUSY);
  EXPECT_NE(full.error().message().find("all 3 id ranges"), std::string::npos) << full.error().message();
}
