// Another engine's container as a limit target: its engine name, labels, engine and id, so
// `names:` and `labels:` policies reach Docker's containers and limits can go through Docker.
#include <gtest/gtest.h>

#include "DiscoveredTarget.h"
#include "Policy.h"

namespace agent {
namespace {

using collectors::engines::Engine;

policies::PolicyMatch byLabel(std::string key, std::string value) {
  policies::PolicyMatch m;
  m.labels[key] = value;
  return m;
}
policies::PolicyMatch byName(std::string glob) {
  policies::PolicyMatch m;
  m.names.push_back(glob);
  return m;
}

const std::string kWeb = "7f54205e0765b36223c6c9c6928548aee5151ee107988aeed2eb799e876fc0bc";

TEST(DiscoveredTarget, AnEngineContainerCarriesItsNameLabelsEngineAndId) {
  collectors::Snapshot snapshot;
  auto known = std::make_shared<collectors::engines::EngineContainers>();
  (*known)[kWeb] = {.engine = Engine::Docker, .id = kWeb, .name = "web", .labels = {{"tier", "web"}}};
  snapshot.engineContainers = known;
  collectors::CgroupSample sample;
  sample.path = "/private-docker/" + kWeb;
  sample.classification = {collectors::Runtime::Docker, kWeb, kWeb.substr(0, 12)};
  sample.name = "web";

  auto target = discoveredTarget(snapshot, sample);
  EXPECT_EQ(target.key, sample.path);
  EXPECT_EQ(target.name, "web");
  EXPECT_EQ(target.cgroupPath, sample.path);
  EXPECT_FALSE(target.agent);
  EXPECT_TRUE(target.container);
  EXPECT_EQ(target.engine, "docker");
  EXPECT_EQ(target.engineId, kWeb);
  EXPECT_TRUE(policies::matches(byLabel("tier", "web"), target.facts()));
  EXPECT_TRUE(policies::matches(byName("we*"), target.facts()));
  EXPECT_FALSE(policies::matches(byLabel("tier", "db"), target.facts()));

  // A container no engine knows: by its short id, no labels, no engine.
  snapshot.engineContainers = nullptr;
  sample.name = kWeb.substr(0, 12);
  auto plain = discoveredTarget(snapshot, sample);
  EXPECT_EQ(plain.engine, "");
  EXPECT_EQ(plain.engineId, "");
  EXPECT_FALSE(policies::matches(byLabel("tier", "web"), plain.facts()));
}

}  // namespace
}  // namespace agent
