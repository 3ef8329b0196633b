// The limit use case without HTTP: `limit` refused above a ceiling naming the policy and
// changing nothing, what took stored as the override in the kernel's form, `run`'s limits
// under `enforce` true and false, and `explain` deciding on the target the finder gives
// (a container found by its cgroup path keeps its name).
#include <gtest/gtest.h>

#include "CpuOnlyHierarchy.h"
#include "FixtureTree.h"
#include "LimitService.h"
#include "PolicyLoader.h"
#include "Quantity.h"

using namespace agent;
using namespace agent::policies;
using nlohmann::json;

namespace {

// Records what the service asks to be written, and answers as a group that takes it.
class RecordingWriter : public LimitWriter {
 public:
  bool enforce = true;
  std::vector<std::pair<LimitSet, LimitSource>> applied;
  std::set<Resource> refuse;
  Result<std::vector<Change>> apply(const LimitTarget&, const LimitSet& desired, const LimitSource& source) override {
    applied.emplace_back(desired, source);
    std::vector<Change> changes;
    for (Resource r : kResources) {
      if (!desired.has(r)) continue;
      Change c{r, "max", desired.format(r), enforce, "", "", false};
      if (refuse.count(r)) c = Change{r, "max", "max", false, "", "refused by the kernel", false};
      changes.push_back(c);
    }
    return changes;
  }
  bool enforcing() const override { return enforce; }
  std::map<Resource, std::string> problems(const std::string&) override { return {}; }
};

LimitSet limits(const json& j) {
  auto set = limitSetFromJson(j, 4);
  EXPECT_TRUE(set) << set.error().message();
  return *set;
}

struct Service {
  fixture::FixtureTree tree;
  cgroup::Hierarchy hierarchy = fixture::cpuOnlyHierarchy(tree);
  OverrideStore overrides = *OverrideStore::open(tree.root());
  RecordingWriter writer;
  std::shared_ptr<const PolicySet> policies;
  // "web-1" by name, or by its cgroup path: the same container either way.
  LimitTarget web{"0123", "web-1", "/agent/0123", true, {{"tier", "web"}}, true};
  LimitService service{[this](const std::string& ref) -> Result<LimitTarget> {
                         if (ref == web.name || ref == web.cgroupPath) return web;
                         return userError("no such container", ENOENT);
                       },
                       [this] { return policies; }, overrides, writer, hierarchy};
  explicit Service(const std::string& yaml) {
    auto loaded = loadPolicies({{"p.yaml", yaml}}, 4);
    EXPECT_TRUE(loaded.ok());
    policies = std::make_shared<const PolicySet>(loaded.set);
  }
};

const char* kWeb = R"(policies:
  - name: web-tier
    match: {names: ["web-*"], labels: {tier: web}}
    limits: {cpu: 50%, pids: 64}
    max: {cpu: 100%}
)";

}  // namespace

TEST(LimitService, AboveACeilingIsRefusedNamingThePolicyAndNothingChanges) {
  Service s(kWeb);
  auto refused = s.service.set("web-1", limits({{"cpu", "150%"}}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().errnum, EBUSY);
  EXPECT_EQ(refused.error().message(),
            "cpu 150% is above 100%, the max of policy web-tier: ask for 100% or less; nothing was changed");
  EXPECT_TRUE(s.writer.applied.empty());
  EXPECT_FALSE(s.overrides.get("0123"));
}

TEST(LimitService, WhatTookIsStoredInTheKernelsFormAndARefusalIsNot) {
  Service s(kWeb);
  s.writer.refuse.insert(Resource::Pids);
  auto outcome = s.service.set("web-1", limits({{"cpu", "75%"}, {"memory", "100000001"}, {"pids", "10"}}));
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->target.key, "0123");
  ASSERT_EQ(s.writer.applied.size(), 1u);
  EXPECT_EQ(s.writer.applied[0].second, LimitSource::override());
  auto stored = s.overrides.get("0123");
  ASSERT_TRUE(stored);
  EXPECT_EQ(toJson(*stored), (json{{"cpu", "75%"}, {"memory", "97656Ki"}})) << "whole pages; pids was refused";
  EXPECT_FALSE(s.service.set("web-1", LimitSet{})) << "nothing to set";
  EXPECT_EQ(s.service.set("nobody", limits({{"cpu", "50%"}})).error().errnum, ENOENT);
}

// `enforce: false` wrote `run --cpu` and the policies' limits into a new container's cgroup
// (cpu.cfs_quota_us 50000): now `run` writes none, and keeps what it was given.
TEST(LimitService, RunLimitsAreWrittenOnlyWhenEnforcing) {
  Service s(kWeb);
  auto run = s.service.forRun("web-2", {{"tier", "web"}}, limits({{"memory", "64Mi"}}));
  ASSERT_TRUE(run) << run.error().message();
  EXPECT_EQ(toJson(run->write), (json{{"cpu", "50%"}, {"memory", "64Mi"}, {"pids", "64"}}));
  EXPECT_EQ(toJson(run->override), (json{{"memory", "64Mi"}}));

  s.writer.enforce = false;
  run = s.service.forRun("web-2", {{"tier", "web"}}, limits({{"cpu", "80%"}}));
  ASSERT_TRUE(run);
  EXPECT_TRUE(run->write.empty()) << "enforce: false wrote " << toJson(run->write).dump();
  EXPECT_EQ(toJson(run->override), (json{{"cpu", "80%"}}));
  auto above = s.service.forRun("web-2", {{"tier", "web"}}, limits({{"cpu", "200%"}}));
  ASSERT_FALSE(above);
  EXPECT_EQ(above.error().message(),
            "cpu 200% is above 100%, the max of policy web-tier: ask for 100% or less; nothing was created");
}

// Explain by the cgroup path decides for the container (name, labels), as the reconciler does.
TEST(LimitService, ExplainByPathDecidesForTheContainer) {
  Service s(kWeb);
  for (const std::string& ref : {std::string("web-1"), std::string("/agent/0123")}) {
    auto explained = s.service.explain(ref);
    ASSERT_TRUE(explained) << explained.error().message();
    EXPECT_EQ(explained->desired.matched, std::vector<std::string>{"web-tier"}) << ref;
    EXPECT_EQ(explained->desired.why[Resource::Pids].source, LimitSource::of(s.policies->policies[0])) << ref;
    EXPECT_FALSE(explained->actual) << "no such group in the fixture";
  }
}
