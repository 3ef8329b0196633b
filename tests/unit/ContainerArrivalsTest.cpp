// When another runtime's container appears between two collections, the reconciler is asked
// for a pass (ContainerArrivals.h); agentd's own containers, plain groups, the first snapshot
// and containers that go do not ask.
#include "ContainerArrivals.h"

#include <gtest/gtest.h>

using namespace agent;
using agent::collectors::Runtime;

namespace {

collectors::Snapshot snapshotOf(std::vector<std::pair<std::string, Runtime>> groups) {
  collectors::Snapshot snapshot;
  for (auto& [path, runtime] : groups) {
    collectors::CgroupSample s;
    s.path = path;
    s.classification.runtime = runtime;
    snapshot.cgroups.push_back(s);
  }
  return snapshot;
}

}  // namespace

TEST(ContainerArrivals, OnlyANewEngineContainerAsksForAPass) {
  int asked = 0;
  auto observe = whenContainersArrive([&asked] { ++asked; });
  observe(snapshotOf({{"/docker/a", Runtime::Docker}}));  // the first: the start pass's
  EXPECT_EQ(asked, 0);
  observe(
      snapshotOf({{"/docker/a", Runtime::Docker}, {"/agent/x", Runtime::Agent}, {"/system.slice", Runtime::Systemd}}));
  EXPECT_EQ(asked, 0);
  observe(snapshotOf({{"/docker/a", Runtime::Docker}, {"/x/libpod-b", Runtime::Podman}}));
  EXPECT_EQ(asked, 1);
  observe(snapshotOf({{"/x/libpod-b", Runtime::Podman}}));  // one went: nothing to do
  EXPECT_EQ(asked, 1);
  observe(snapshotOf({{"/x/libpod-b", Runtime::Podman}, {"/docker/a", Runtime::Docker}}));  // back: new again
  EXPECT_EQ(asked, 2);
}

TEST(ContainerArrivals, AContainerItsEngineLearnsOfAfterItsGroupAppearedAsksAgain) {
  int asked = 0;
  auto observe = whenContainersArrive([&asked] { ++asked; });
  observe(snapshotOf({}));
  observe(snapshotOf({{"/docker/a", Runtime::Docker}}));  // its group, not yet its labels
  EXPECT_EQ(asked, 1);
  auto known = snapshotOf({{"/docker/a", Runtime::Docker}});
  known.cgroups[0].image = "busybox:latest";
  known.cgroups[0].labels = {{"tier", "late"}};
  observe(known);  // its engine told: a pass now matches its labels
  EXPECT_EQ(asked, 2);
  observe(known);
  EXPECT_EQ(asked, 2);
}
