// The limits `agentctl limit` sends and stores: JSON in and out through the one quantity
// parser (the same dispatch as `run` and the policy files), merging.
#include <gtest/gtest.h>

#include <fstream>

#include "FixtureTree.h"
#include "LimitSet.h"

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
  EXPECT_EQ(unknown.error().message(), "unknown resource \"cpus\"; give cpu, memory or pids");
  auto number = limitSetFromJson({{"pids", 32}}, 2);
  ASSERT_FALSE(number);
  EXPECT_EQ(number.error().message(),
            "pids must be a string such as \"50%\", \"256Mi\", \"100\" or \"max\", not number");
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
