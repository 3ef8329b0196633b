// Policy files: what loads, every error with its file:line:column (SPEC.md "Policy files").
#include <gtest/gtest.h>

#include "PolicyExamples.h"

#include "Desired.h"
#include "FixtureTree.h"
#include "PolicyLoader.h"

using namespace agent;
using namespace agent::policies;

namespace {

LoadedPolicies load(const std::string& text, const std::string& path = "web.yaml") {
  return loadPolicies({{path, text}}, 4);
}

std::string errors(const LoadedPolicies& l) {
  std::string out;
  for (const auto& e : l.errors) out += e + "\n";
  return out;
}

}  // namespace

TEST(PolicyLoader, LoadsTheSpecExample) {
  auto l = load(fixture::kWebTierPolicy);
  ASSERT_TRUE(l.ok()) << errors(l);
  ASSERT_EQ(l.set.policies.size(), 1u);
  const Policy& p = l.set.policies[0];
  EXPECT_EQ(p.name, "web-tier");
  EXPECT_EQ(p.priority, 10);
  EXPECT_EQ(p.match.names, std::vector<std::string>{"web-*"});
  EXPECT_EQ(p.match.labels.at("tier"), "web");
  EXPECT_EQ(toJson(p.limits), (nlohmann::json{{"cpu", "50%"}, {"memory", "256Mi"}, {"pids", "128"}}));
  EXPECT_EQ(toJson(p.max), (nlohmann::json{{"cpu", "200%"}, {"memory", "1Gi"}}));
  EXPECT_EQ(p.where, "web.yaml:2:5");
  EXPECT_TRUE(load("").ok()) << "an empty file holds no policies";
}

TEST(PolicyLoader, ErrorsCarryExactPositions) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c : std::vector<Case>{
           {"policies:\n  - name: a\n    match: {names: [x]}\n    limits: {cpu: fast}\n",
            "web.yaml:4:19: limits.cpu: "},
           {"policies:\n  - name: a\n    match: {names: [x]}\n    limits: {cpus: 50%}\n",
            "web.yaml:4:14: unknown key `cpus` in limits (known: cpu, memory, pids)"},
           {"policies:\n  - name: a\n    colour: red\n    match: {names: [x]}\n    limits: {cpu: 50%}\n",
            "web.yaml:3:5: unknown key `colour` in a policy"},
           {"policies:\n  - name: Web_1\n    match: {names: [x]}\n    limits: {cpu: 50%}\n",
            "web.yaml:2:11: name `Web_1` must be lowercase"},
           {"policies:\n  - name: a\n    match: {}\n    limits: {cpu: 50%}\n",
            "web.yaml:3:12: an empty match would apply to every container"},
           {"policies:\n  - name: a\n    limits: {cpu: 50%}\n", "web.yaml:2:5: policy `a` needs a `match`"},
           {"policies:\n  - name: a\n    match: {names: [x]}\n", "web.yaml:2:5: policy `a` sets neither"},
           {"policies:\n  - name: a\n    priority: high\n    match: {names: [x]}\n    limits: {cpu: 50%}\n",
            "web.yaml:3:15: priority must be a whole number"},
           {"policies:\n  - name: a\n    match: {names: [x]}\n    limits: {cpu: 300%}\n    max: {cpu: 200%}\n",
            "web.yaml:4:13: limits.cpu 300% is above this policy's max 200%"},
           {"policies:\n  - name: a\n    match: {names: [x]\n", "web.yaml:4:1: not valid YAML"},
           {"rules: []\n", "web.yaml:1:1: unknown key `rules` in a policy file (known: policies)"},
           {"policies:\n  - name: a\n    match: {names: [x]}\n    limits: {memory: 1Mi}\n",
            "web.yaml:4:22: limits.memory: "},
           // Found by the fuzzer: a key that is a list threw out of the loader.
           {"policies:\n  - name: a\n    [x]: 1\n    match: {names: [x]}\n    limits: {cpu: 1}\n",
            "web.yaml:3:5: keys must be plain words"},
       }) {
    auto l = load(c.text);
    ASSERT_FALSE(l.ok()) << c.text;
    EXPECT_EQ(l.errors.front().rfind(c.error, 0), 0u) << "wanted " << c.error << "\ngot " << errors(l);
  }
}

TEST(PolicyLoader, DuplicateNamesAcrossFilesNameBothPlaces) {
  auto l = loadPolicies({{"a.yaml", "policies:\n  - name: web\n    match: {names: [x]}\n    limits: {cpu: 1}\n"},
                         {"b.yaml", "policies:\n\n  - name: web\n    match: {names: [y]}\n    limits: {cpu: 2}\n"}},
                        4);
  ASSERT_EQ(l.errors.size(), 1u) << errors(l);
  EXPECT_EQ(l.errors[0], "b.yaml:3:5: policy name `web` is taken (a.yaml:2:5)");
}

TEST(PolicyLoader, EveryErrorOfASetIsReported) {
  auto l = load("policies:\n  - name: a\n    match: {names: [x]}\n    limits: {cpu: 0%, pids: 0}\n");
  EXPECT_EQ(l.errors.size(), 2u) << errors(l);
}

TEST(PolicyLoader, ReadsADirectoryInNameOrder) {
  fixture::FixtureTree dir;
  dir.file("20-b.yaml", "policies:\n  - name: b\n    match: {names: [x]}\n    limits: {cpu: 1}\n");
  dir.file("10-a.yml", "policies:\n  - name: a\n    match: {names: [x]}\n    limits: {cpu: 1}\n");
  dir.file("notes.txt", "not a policy");
  auto l = loadPolicyDir(dir.root(), 4);
  ASSERT_TRUE(l.ok()) << errors(l);
  ASSERT_EQ(l.set.files.size(), 2u);
  EXPECT_NE(l.set.files[0].find("10-a.yml"), std::string::npos);
  EXPECT_TRUE(loadPolicyDir(dir.path("missing"), 4).ok()) << "no directory is no policies";
}
