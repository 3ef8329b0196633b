// What the package installs beside the binaries: the policy directory's example, loaded by
// agentd's own loader as shipped (comments only: no policies, no error) and with its "# "
// taken off (the two policies it promises); and where agentd looks for its companions
// (InstallLayout.h) on fixture trees.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "FixtureTree.h"
#include "InstallLayout.h"
#include "PolicyLoader.h"

using namespace agent;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Lines from "# policies:" on, their comment marker removed.
std::string uncommented(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  bool started = false;
  for (std::string line; std::getline(in, line);) {
    started = started || line == "# policies:";
    if (started && line.rfind("# ", 0) == 0) out += line.substr(2) + "\n";
  }
  return out;
}

std::string errors(const policies::LoadedPolicies& loaded) {
  std::string out;
  for (const auto& e : loaded.errors) out += e + "\n";
  return out;
}

}  // namespace

TEST(PackagedFiles, ThePolicyExampleHoldsNoPolicyAsShipped) {
  std::string text = readFile(AGENT_DEPLOY_DIR "/policies.d/example.yaml");
  ASSERT_FALSE(text.empty());
  auto loaded = policies::loadPolicies({{"example.yaml", text}}, 4);
  EXPECT_TRUE(loaded.ok()) << errors(loaded);
  EXPECT_TRUE(loaded.set.policies.empty());
}

TEST(PackagedFiles, ThePolicyExampleUncommentedIsItsTwoPolicies) {
  std::string text = uncommented(readFile(AGENT_DEPLOY_DIR "/policies.d/example.yaml"));
  auto loaded = policies::loadPolicies({{"example.yaml", text}}, 4);
  ASSERT_TRUE(loaded.ok()) << errors(loaded) << text;
  ASSERT_EQ(loaded.set.policies.size(), 2u) << text;
  EXPECT_EQ(loaded.set.policies[0].name, "web-tier");
  EXPECT_EQ(loaded.set.policies[1].name, "docker-pids");
}

TEST(InstallLayout, TheBuildTreesCompanionBesideTheBinaryComesFirst) {
  fixture::FixtureTree tree;
  tree.file("bin/agent-shim", "x").file("installed-shim", "x");
  EXPECT_EQ(locateCompanion(tree.path("bin/agentd"), "agent-shim", tree.path("installed-shim")),
            tree.path("bin/agent-shim"));
}

TEST(InstallLayout, TheInstalledPathWhenNothingIsBesideTheBinary) {
  fixture::FixtureTree tree;
  tree.dir("sbin").file("installed-shim", "x");
  EXPECT_EQ(locateCompanion(tree.path("sbin/agentd"), "agent-shim", tree.path("installed-shim")),
            tree.path("installed-shim"));
  // share/ beside sbin/, named without "..".
  tree.file("share/agent/seccomp/default.json", "{}");
  EXPECT_EQ(locateCompanion(tree.path("sbin/agentd"), "../share/agent/seccomp/default.json", "/nonexistent"),
            tree.path("share/agent/seccomp/default.json"));
}

TEST(InstallLayout, NeitherThereNamesTheBuildTreesPlace) {
  fixture::FixtureTree tree;
  EXPECT_EQ(locateCompanion(tree.path("bin/agentd"), "agent-shim", tree.path("nowhere")), tree.path("bin/agent-shim"));
}
