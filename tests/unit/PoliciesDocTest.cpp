// docs/policies.md's policy examples are policies the real loader takes: every ```yaml
// block loads without an error, and the page's main example says what its text says.
#include <gtest/gtest.h>

#include "Desired.h"
#include "DocExamples.h"
#include "PolicyLoader.h"

using namespace agent;
using namespace agent::policies;

namespace {
std::vector<docs::FencedBlock> yamlExamples() {
  return docs::fencedBlocks(docs::readDoc(AGENT_DOCS_DIR "/policies.md"), "yaml");
}
}  // namespace

TEST(PoliciesDoc, EveryYamlExampleLoads) {
  auto blocks = yamlExamples();
  ASSERT_FALSE(blocks.empty()) << "no ```yaml block in docs/policies.md";
  for (const auto& block : blocks) {
    std::string where = "policies.md:" + std::to_string(block.line);
    auto loaded = loadPolicies({{where, block.text}}, 4);
    std::string errors;
    for (const auto& e : loaded.errors) errors += e + "\n";
    EXPECT_TRUE(loaded.ok()) << where << ":\n" << errors;
    EXPECT_FALSE(loaded.set.policies.empty()) << where << " holds no policy";
  }
}

// The example matches what the text says it matches: a container named web-... with the
// label tier=web, and docker's containers by path; a web-... container without the label
// and an agent container under agentd's cgroup parent are not matched.
TEST(PoliciesDoc, TheMainExampleMatchesWhatTheTextSays) {
  auto loaded = loadPolicies({{"policies.md", yamlExamples().front().text}}, 4);
  ASSERT_TRUE(loaded.ok());
  auto matching = [&](const ContainerFacts& facts) { return resolve(loaded.set, facts, std::nullopt).matched; };
  using Names = std::vector<std::string>;
  EXPECT_EQ(matching({"web-2", {{"tier", "web"}}, "/agent/0f6c", true}), Names{"web-tier"});
  EXPECT_EQ(matching({"web-2", {}, "/agent/0f6c", true}), Names{});
  EXPECT_EQ(matching({"0123456789ab", {}, "/docker/0123456789ab", true}), Names{"docker-pids"});
  EXPECT_EQ(matching({"/docker/0123", {}, "/docker/0123", false}), Names{"docker-pids"}) << "a plain group by path";
}
