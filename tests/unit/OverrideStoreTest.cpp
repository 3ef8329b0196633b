// OverrideStore: overrides outlive agentd (written before they are acknowledged), and a damaged
// file is an error, never an empty store.
#include <gtest/gtest.h>

#include <fstream>

#include "FixtureTree.h"
#include "LimitSet.h"
#include "OverrideStore.h"

using namespace agent;
using namespace agent::policies;
using nlohmann::json;

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
