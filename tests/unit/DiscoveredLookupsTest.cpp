#include "DiscoveredLookups.h"

#include <gtest/gtest.h>

using namespace agent;
namespace ce = agent::collectors::engines;

namespace {

const std::string kId(64, 'a');

ce::EngineContainer docker(const std::string& id) {
  ce::EngineContainer c;
  c.engine = ce::Engine::Docker;
  c.id = id;
  c.name = "web";
  return c;
}

}  // namespace

// Before Docker's first listing nothing is known: a stopped container keeps its override.
// After it, the listing decides, for Docker's own paths and for a --cgroup-parent of the
// user's, where only Docker's list says whose a group is.
TEST(EngineHolds, DockersGroupsAreHeldWhileDockerListsThemAndUntilItsFirstListing) {
  auto directory = std::make_shared<ce::EngineDirectory>();
  auto holds = engineHoldsIn(directory, EnginesConfig{}, "/agent");
  std::string group = "/docker/" + kId;
  std::string ownParent = "/my-parent/" + kId;
  EXPECT_EQ(holds(group), true);
  EXPECT_EQ(holds(ownParent), true);
  directory->replaceAll(ce::Engine::Docker, {docker(kId)});
  EXPECT_EQ(holds(group), true);
  EXPECT_EQ(holds(ownParent), true);
  EXPECT_EQ(holds("/system.slice/docker-" + kId + ".scope"), true);
  directory->erase(kId);  // docker rm
  EXPECT_EQ(holds(group), false);
  EXPECT_EQ(holds(ownParent), false);
}

// A podman group is asked of podman alone: Docker's listing says nothing of it. An engine
// turned off in the config says nothing, so the cgroup decides as before.
TEST(EngineHolds, EachGroupIsAskedOfItsOwnEngineAndAnEngineTurnedOffSaysNothing) {
  auto directory = std::make_shared<ce::EngineDirectory>();
  directory->replaceAll(ce::Engine::Docker, {});
  EnginesConfig config;
  config.docker.use = EngineUse::Off;
  auto holds = engineHoldsIn(directory, config, "/agent");
  std::string podmanGroup = "/machine.slice/libpod-" + kId + ".scope";
  EXPECT_EQ(holds(podmanGroup), true);  // podman not listed yet
  directory->replaceAll(ce::Engine::Podman, {});
  EXPECT_EQ(holds(podmanGroup), false);
  EXPECT_EQ(holds("/docker/" + kId), std::nullopt);
  config.podman.use = EngineUse::Off;
  EXPECT_EQ(engineHoldsIn(directory, config, "/agent")("/my-parent/" + kId), std::nullopt);
}
