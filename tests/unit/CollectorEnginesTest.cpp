// The collector with engines' containers: Docker's names, images and labels on the samples of
// the cgroups Docker's containers are, wherever their cgroup parent put them; an id no engine
// knows keeps today's short id and empty image.
#include <gtest/gtest.h>

#include "Collector.h"
#include "EngineJoin.h"
#include "FixtureTree.h"

namespace agent::collectors {
namespace {

using agent::fixture::FixtureTree;
using engines::Engine;
using engines::EngineContainer;

const std::string kWeb = "7f54205e0765b36223c6c9c6928548aee5151ee107988aeed2eb799e876fc0bc";
const std::string kDb = "280b6d810bca98f6c8ee6af19b3722df563f47a99ae8a17e3169c8625419a5cf";
const std::string kUnknown = "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";

const CgroupSample* find(const Snapshot& s, const std::string& path) {
  for (const auto& c : s.cgroups)
    if (c.path == path) return &c;
  return nullptr;
}

cgroup::Hierarchy v2Host(const std::string& root) {
  auto h = cgroup::Hierarchy::fromMounts(proc::parseMountinfo("30 1 0:26 / " + root + " rw - cgroup2 cgroup2 rw\n"),
                                         root, true, "cpu memory pids\n");
  EXPECT_TRUE(h) << h.error().message();
  return *h;
}

engines::EngineContainersPtr known(std::vector<EngineContainer> list) {
  auto map = std::make_shared<engines::EngineContainers>();
  for (auto& c : list) (*map)[c.id] = c;
  return map;
}

TEST(CollectorEngines, DockersContainersGetTheirNamesImagesAndLabelsWhereverTheirCgroupIs) {
  FixtureTree tree;
  std::string root = tree.path("cg");
  tree.file("cg/cgroup.procs", "1\n");
  // dockerd --cgroup-parent /private-docker (cgroupfs driver), the systemd driver's scope,
  // and a Docker container no engine client knows.
  for (const std::string& dir : {"cg/private-docker/" + kWeb, "cg/system.slice/docker-" + kDb + ".scope",
                                 "cg/docker/" + kUnknown, "cg/private-docker/" + std::string(64, 'e')})
    tree.file(dir + "/cgroup.procs", "").file(dir + "/memory.max", "67108864\n");
  Collector collector(v2Host(root), CollectorConfig{}, tree.path("no-proc"));
  auto engineContainers = known({{.engine = Engine::Docker,
                                  .id = kWeb,
                                  .name = "web",
                                  .image = "busybox:latest",
                                  .labels = {{"tier", "web"}, {"com.docker.compose.service", "web"}},
                                  .upperDir = "/x/diff",
                                  .limitsByApi = true},
                                 {.engine = Engine::Docker, .id = kDb, .name = "db", .image = "busybox"}});
  auto snapshot = collector.collect({}, {}, engineContainers);
  EXPECT_EQ(snapshot->engineContainers, engineContainers);

  const auto* web = find(*snapshot, "/private-docker/" + kWeb);
  ASSERT_NE(web, nullptr) << "a Docker container under a custom cgroup parent is exported";
  EXPECT_EQ(web->classification.runtime, Runtime::Docker);
  EXPECT_EQ(web->classification.id, kWeb);
  EXPECT_EQ(web->name, "web");
  EXPECT_EQ(web->image, "busybox:latest");
  EXPECT_EQ(web->labels.at("tier"), "web");
  EXPECT_EQ(web->labels.at("com.docker.compose.service"), "web");
  const auto* db = find(*snapshot, "/system.slice/docker-" + kDb + ".scope");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->name, "db");
  EXPECT_EQ(db->image, "busybox");
  const auto* unknown = find(*snapshot, "/docker/" + kUnknown);
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->name, kUnknown.substr(0, 12));
  EXPECT_EQ(unknown->image, "");
  // A hex-named group no engine knows stays a plain group: not exported as a container.
  EXPECT_EQ(find(*snapshot, "/private-docker/" + std::string(64, 'e')), nullptr);

  // Renamed (an event), then forgotten (destroyed, or an engine's relist without it).
  engineContainers = known({{.engine = Engine::Docker, .id = kWeb, .name = "web2", .image = "busybox:latest"},
                            {.engine = Engine::Docker, .id = kDb, .name = "db", .image = "busybox"}});
  snapshot = collector.collect({}, {}, engineContainers);
  ASSERT_NE(find(*snapshot, "/private-docker/" + kWeb), nullptr);
  EXPECT_EQ(find(*snapshot, "/private-docker/" + kWeb)->name, "web2");
  EXPECT_TRUE(find(*snapshot, "/private-docker/" + kWeb)->labels.empty());
  snapshot = collector.collect({}, {}, known({}));
  ASSERT_NE(find(*snapshot, "/system.slice/docker-" + kDb + ".scope"), nullptr);
  EXPECT_EQ(find(*snapshot, "/system.slice/docker-" + kDb + ".scope")->name, kDb.substr(0, 12));
  EXPECT_EQ(find(*snapshot, "/system.slice/docker-" + kDb + ".scope")->image, "");
}

TEST(CollectorEngines, OnlyContainerShapedGroupsJoinAnEngine) {
  EngineContainer web{.engine = Engine::Podman, .id = kWeb, .name = "web"};
  engines::EngineContainers map{{kWeb, web}};
  Classification other = classify("/x/" + kWeb, "/agent");
  ASSERT_EQ(other.runtime, Runtime::Other);
  ASSERT_NE(engines::joinEngine("/x/" + kWeb, other, map), nullptr);
  EXPECT_EQ(other.runtime, Runtime::Podman);
  EXPECT_EQ(other.name, kWeb.substr(0, 12));
  // A systemd unit or an lxc container of that name is not the engine's.
  Classification unit = classify("/system.slice/" + kWeb + ".service", "/agent");
  EXPECT_EQ(engines::joinEngine("/system.slice/" + kWeb + ".service", unit, map), nullptr);
  Classification lxc = classify("/lxc/" + kWeb, "/agent");
  EXPECT_EQ(engines::joinEngine("/lxc/" + kWeb, lxc, map), nullptr);
  EXPECT_EQ(lxc.runtime, Runtime::Lxc);
}

}  // namespace
}  // namespace agent::collectors
