// The limits `agentctl limit` sends and stores: JSON in and out through the one quantity
// parser, merging, and the override store on disk (what outlives agentd).
#include <gtest/gtest.h>

#include <fstream>

#include "FixtureTree.h"
#include "LimitSet.h"
#include "OverrideStore.h"

using namespace agent;
using namespace agent::policies;
using nlohmann::json;

TEST(LimitSet, ParsesEachResourceAndPrintsItCanonically) {
  auto set = limitSetFromJson({{"cpu", "0.5"}, {"memory", "256m"}, {"pids", "max"}}, 2);
  ASSERT_TRUE(set) << set.error().message();
  EXPECT_EQ(set->format(Resource::Cpu), "50%");
  EXPECT_EQ(set->format(Resource::Memory), "256Mi");
  EXPECT_EQ(set->format(Resource::Pids), "max");
  EXPECT_EQ(toJson(*set), (json{{"cpu", "50%"}, {"memory", "256Mi"}, {"pids", "max"}}));
  auto empty = limitSetFromJson(json::object(), 2);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(LimitSet, RefusalsNameTheKeyOrTheQuantity) {
  auto unknown = limitSetFromJson({{"cpus", "50%"}}, 2);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("unknown resource `cpus`"), std::string::npos);
  auto number = limitSetFromJson({{"pids", 32}}, 2);
  ASSERT_FALSE(number);
  EXPECT_NE(number.error().message().find("`pids` must be a string"), std::string::npos);
  auto tooMuch = limitSetFromJson({{"cpu", "300%"}}, 2);
  ASSERT_FALSE(tooMuch);
  EXPECT_NE(tooMuch.error().message().find("at most 200%"), std::string::npos) << tooMuch.error().message();
  EXPECT_FALSE(limitSetFromJson(json::array(), 2));
}

TEST(LimitSet, MergeKeepsWhatTheNewerSetLeavesOut) {
  LimitSet base = *limitSetFromJson({{"cpu", "50%"}, {"pids", "100"}}, 2);
  base.merge(*limitSetFromJson({{"cpu", "max"}, {"memory", "1Gi"}}, 2));
  EXPECT_EQ(toJson(base), (json{{"cpu", "max"}, {"memory", "1Gi"}, {"pids", "100"}}));
}

TEST(OverrideStore, KeepsOverridesAcrossReopening) {
  fixture::FixtureTree dir;
  {
    auto store = OverrideStore::open(dir.root());
    ASSERT_TRUE(store) << store.error().message();
    EXPECT_TRUE(store->all().empty());
    ASSERT_TRUE(store->merge("abc", *limitSetFromJson({{"cpu", "50%"}}, 2)));
    ASSERT_TRUE(store->merge("abc", *limitSetFromJson({{"pids", "32"}}, 2)));
    ASSERT_TRUE(store->merge("/docker/x", *limitSetFromJson({{"memory", "max"}}, 2)));
    ASSERT_TRUE(store->merge("gone", *limitSetFromJson({{"memory", "64Mi"}}, 2)));
    ASSERT_TRUE(store->erase("gone"));
  }
  auto reopened = OverrideStore::open(dir.root());
  ASSERT_TRUE(reopened) << reopened.error().message();
  auto all = reopened->all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(toJson(all["abc"]), (json{{"cpu", "50%"}, {"pids", "32"}}));
  EXPECT_EQ(toJson(all["/docker/x"]), (json{{"memory", "max"}}));
  EXPECT_FALSE(reopened->get("gone"));
}

TEST(OverrideStore, ADamagedFileIsAnErrorNotAnEmptyStore) {
  fixture::FixtureTree dir;
  dir.file("overrides.json", "{\"overrides\": {\"abc\": {\"cpu\": \"fast\"}}}");
  auto store = OverrideStore::open(dir.root());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message().find("abc"), std::string::npos) << store.error().message();
  dir.file("overrides.json", "not json");
  EXPECT_FALSE(OverrideStore::open(dir.root()));
}
