// Policies' `security: {seccomp: required}`: loaded, matched, and its refusal.
#include <gtest/gtest.h>

#include "PolicyLoader.h"

using namespace agent::policies;

namespace {

LoadedPolicies load(const std::string& text) {
  return loadPolicies({{"secure.yaml", text}}, 4);
}

}  // namespace

TEST(SecurityPolicy, SeccompRequiredLoadsAndMatches) {
  auto loaded = load(R"(policies:
  - name: confined-web
    match:
      labels: {tier: web}
    security:
      seccomp: required
  - name: web-limits
    match:
      labels: {tier: web}
    limits:
      pids: 100
)");
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front();
  ContainerFacts web{"web-1", {{"tier", "web"}}, "", true};
  const Policy* policy = policyRequiringSeccomp(loaded.set, web);
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(policy->name, "confined-web");
  EXPECT_EQ(policyRequiringSeccomp(loaded.set, {"db-1", {{"tier", "db"}}, "", true}), nullptr);
}

TEST(SecurityPolicy, OnlyRequiredIsAcceptedAndUnknownKeysAreRefused) {
  auto other = load(R"(policies:
  - name: p
    match: {names: ["x"]}
    security: {seccomp: optional}
)");
  ASSERT_EQ(other.errors.size(), 1u);
  EXPECT_NE(other.errors.front().find("security.seccomp must be `required`"), std::string::npos)
      << other.errors.front();
  auto unknown = load(R"(policies:
  - name: p
    match: {names: ["x"]}
    security: {apparmor: required}
)");
  ASSERT_FALSE(unknown.errors.empty());
  EXPECT_NE(unknown.errors.front().find("unknown key `apparmor` in security"), std::string::npos)
      << unknown.errors.front();
}
