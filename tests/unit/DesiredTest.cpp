// The resolver: the precedence of overrides, priorities, ties and ceilings, and who decided
// each value (SPEC.md "Policy files").
#include <gtest/gtest.h>

#include "PolicyExamples.h"

#include "Desired.h"
#include "PolicyLoader.h"

using namespace agent;
using namespace agent::policies;

namespace {

PolicySet set(const std::string& text) {
  auto l = loadPolicies({{"web.yaml", text}}, 4);
  std::string errors;
  for (const auto& e : l.errors) errors += e + "\n";
  EXPECT_TRUE(l.ok()) << errors;
  return l.set;
}

ContainerFacts web1() {
  return {"web-1", {{"tier", "web"}}, "/agent/abc"};
}

}  // namespace

TEST(Desired, OverrideBeatsPolicyAndPolicyFillsTheRest) {
  auto policies = set(fixture::kWebTierPolicy);
  auto d = resolve(policies, web1(), *limitSetFromJson({{"cpu", "25%"}}, 4));
  EXPECT_EQ(toJson(d.limits), (nlohmann::json{{"cpu", "25%"}, {"memory", "256Mi"}, {"pids", "128"}}));
  EXPECT_EQ(d.why[Resource::Cpu].source.describe(), "override");
  EXPECT_EQ(d.why[Resource::Memory].source.describe(), "policy web-tier");
  EXPECT_EQ(d.why[Resource::Cpu].ceiling.describe(), "policy web-tier");
  EXPECT_EQ(d.matched, std::vector<std::string>{"web-tier"});
}

TEST(Desired, AllMatchKeysMustHold) {
  auto policies = set(fixture::kWebTierPolicy);
  EXPECT_TRUE(resolve(policies, {"web-1", {}, "/x"}, std::nullopt).limits.empty()) << "label missing";
  EXPECT_TRUE(resolve(policies, {"db-1", {{"tier", "web"}}, "/x"}, std::nullopt).limits.empty()) << "name differs";
  auto byPath = set("policies:\n  - name: d\n    match: {cgroups: [\"/docker/*\"]}\n    limits: {pids: 32}\n");
  EXPECT_EQ(resolve(byPath, {"", {}, "/docker/0123"}, std::nullopt).limits.format(Resource::Pids), "32");
  EXPECT_TRUE(resolve(byPath, {"", {}, "/system.slice/x"}, std::nullopt).limits.empty());
}

TEST(Desired, HigherPriorityWinsAndTiesAreReportedAndResolvedByName) {
  auto policies = set(R"(policies:
  - {name: low, priority: 1, match: {names: ["*"]}, limits: {cpu: 10%, pids: 10}}
  - {name: zeta, priority: 5, match: {names: ["*"]}, limits: {cpu: 30%}}
  - {name: alpha, priority: 5, match: {names: ["*"]}, limits: {cpu: 40%}}
)");
  auto d = resolve(policies, web1(), std::nullopt);
  EXPECT_EQ(d.limits.format(Resource::Cpu), "40%");
  EXPECT_EQ(d.why[Resource::Cpu].source.describe(), "policy alpha");
  EXPECT_EQ(d.limits.format(Resource::Pids), "10") << "the lower priority still sets what others leave";
  ASSERT_EQ(d.conflicts.size(), 1u);
  EXPECT_EQ(d.conflicts[0], "cpu: policies alpha and zeta (priority 5) disagree; alpha wins by name");
}

TEST(Desired, TheLowestCeilingBoundsEverySource) {
  auto policies = set(R"(policies:
  - {name: roomy, priority: 9, match: {names: ["*"]}, limits: {cpu: 150%}, max: {cpu: 300%}}
  - {name: strict, match: {labels: {tier: web}}, max: {cpu: 100%, memory: 512Mi}}
)");
  auto d = resolve(policies, web1(), *limitSetFromJson({{"memory", "max"}}, 4));
  EXPECT_EQ(d.limits.format(Resource::Cpu), "100%");
  EXPECT_TRUE(d.why[Resource::Cpu].clamped);
  EXPECT_EQ(d.why[Resource::Cpu].ceiling.describe(), "policy strict");
  EXPECT_EQ(d.limits.format(Resource::Memory), "512Mi") << "an unlimited override is above any ceiling";
  EXPECT_EQ(d.ceilings.format(Resource::Memory), "512Mi");
}

TEST(Desired, APlainCgroupIsMatchedByCgroupsOnly) {
  auto policies = set(R"(policies:
  - {name: everyone, match: {names: ["*"]}, limits: {cpu: 10%}}
  - {name: by-path, match: {cgroups: ["/batch/*"]}, limits: {pids: 50}}
)");
  auto plain = resolve(policies, {"/batch/job-1", {}, "/batch/job-1", false}, std::nullopt);
  EXPECT_EQ(toJson(plain.limits), (nlohmann::json{{"pids", "50"}})) << "names: [\"*\"] reached a plain cgroup";
  auto container = resolve(policies, {"job-1", {}, "/batch/job-1", true}, std::nullopt);
  EXPECT_EQ(toJson(container.limits), (nlohmann::json{{"cpu", "10%"}, {"pids", "50"}}));
}
