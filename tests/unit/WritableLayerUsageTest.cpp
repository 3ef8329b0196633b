// The writable layers' sizes: when each is walked (LayerUsageCache, with a fake measure and a
// hand-moved clock), which containers have one (agent and engine containers, joined by id),
// how the filesystem is named (cAdvisor's rules on a real mount table's lines), and how the
// two series are written.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "FilesystemDevice.h"
#include "LayerUsageCache.h"
#include "LayerUsageJoin.h"
#include "MetricsRenderer.h"
#include "Mountinfo.h"
#include "TextFormatValidator.h"

namespace agent::collectors {
namespace {

using Clock = LayerUsageCache::Clock;
using namespace std::chrono_literals;

// Measures by a table: dir -> bytes, or an errno for a failing dir; counts the walks.
struct FakeMeasure {
  std::map<std::string, uint64_t> bytes;
  std::map<std::string, int> failing;
  std::map<std::string, int> walks;
  Result<LayerUsage> operator()(const std::string& dir) {
    ++walks[dir];
    if (auto f = failing.find(dir); f != failing.end()) return systemError("open the directory", dir, f->second);
    return LayerUsage{.device = "/dev/vda", .usageBytes = bytes[dir], .limitBytes = 1000, .inodes = 1};
  }
};

struct CacheFixture {
  FakeMeasure fake;
  std::vector<std::string> reported;
  LayerUsageCache cache{60s, [this](const std::string& dir) { return fake(dir); },
                        [this](const std::string& id, const Error&) { reported.push_back(id); }};
  Clock::time_point t0 = Clock::now();
};

TEST(LayerUsageCache, ANewLayerIsMeasuredAtOnceThenNotAgainBeforeTheInterval) {
  CacheFixture f;
  f.fake.bytes["/l/a"] = 4096;
  EXPECT_TRUE(f.cache.setLayers({{"a", "/l/a"}}, f.t0)) << "a new layer is due: the sampler wakes";
  EXPECT_EQ(f.cache.nextDue(), f.t0);
  f.cache.measureDue(f.t0);
  ASSERT_EQ(f.cache.current()->count("a"), 1u);
  EXPECT_EQ(f.cache.current()->at("a").usageBytes, 4096u);
  EXPECT_EQ(f.cache.nextDue(), f.t0 + 60s);

  // Every collection cycle hands the same layers again: no walk until the interval passed.
  f.fake.bytes["/l/a"] = 8192;
  for (int cycle = 1; cycle < 60; ++cycle) {
    EXPECT_FALSE(f.cache.setLayers({{"a", "/l/a"}}, f.t0 + cycle * 1s));
    f.cache.measureDue(f.t0 + cycle * 1s);
  }
  EXPECT_EQ(f.fake.walks["/l/a"], 1);
  EXPECT_EQ(f.cache.current()->at("a").usageBytes, 4096u) << "the cached value until the next walk";
  f.cache.measureDue(f.t0 + 60s);
  EXPECT_EQ(f.fake.walks["/l/a"], 2);
  EXPECT_EQ(f.cache.current()->at("a").usageBytes, 8192u);
}

TEST(LayerUsageCache, ALayerNoLongerListedLosesItsValueAtOnce) {
  CacheFixture f;
  f.cache.setLayers({{"a", "/l/a"}, {"b", "/l/b"}}, f.t0);
  f.cache.measureDue(f.t0);
  ASSERT_EQ(f.cache.current()->size(), 2u);
  f.cache.setLayers({{"b", "/l/b"}}, f.t0 + 1s);
  EXPECT_EQ(f.cache.current()->count("a"), 0u) << "the container went: so does its series";
  EXPECT_EQ(f.cache.current()->count("b"), 1u);
  // Back again (a new container with that id): measured afresh, at once.
  EXPECT_TRUE(f.cache.setLayers({{"a", "/l/a"}, {"b", "/l/b"}}, f.t0 + 2s));
  f.cache.measureDue(f.t0 + 2s);
  EXPECT_EQ(f.fake.walks["/l/a"], 2);
  EXPECT_EQ(f.fake.walks["/l/b"], 1);
}

TEST(LayerUsageCache, ALayerWhoseDirChangedIsMeasuredAgainAtOnce) {
  CacheFixture f;
  f.fake.bytes["/l/a"] = 1;
  f.fake.bytes["/l/a2"] = 2;
  f.cache.setLayers({{"a", "/l/a"}}, f.t0);
  f.cache.measureDue(f.t0);
  EXPECT_TRUE(f.cache.setLayers({{"a", "/l/a2"}}, f.t0 + 1s));
  EXPECT_EQ(f.cache.current()->count("a"), 0u) << "the old dir's value is not this layer's";
  f.cache.measureDue(f.t0 + 1s);
  EXPECT_EQ(f.cache.current()->at("a").usageBytes, 2u);
}

TEST(LayerUsageCache, AVanishedDirEndsTheSeriesSilentlyOtherFailuresAreReportedOnce) {
  CacheFixture f;
  f.cache.setLayers({{"a", "/l/a"}, {"b", "/l/b"}}, f.t0);
  f.cache.measureDue(f.t0);
  ASSERT_EQ(f.cache.current()->size(), 2u);
  f.fake.failing["/l/a"] = ENOENT;
  f.fake.failing["/l/b"] = EACCES;
  for (int round = 1; round <= 3; ++round) f.cache.measureDue(f.t0 + round * 60s);
  EXPECT_TRUE(f.cache.current()->empty()) << "no stale value stays";
  EXPECT_EQ(f.reported, std::vector<std::string>{"b"}) << "EACCES once, ENOENT never";
  EXPECT_EQ(f.fake.walks["/l/b"], 4) << "a failing layer is still tried once per interval, not more";
}

Snapshot snapshotWithContainers() {
  Snapshot s;
  CgroupSample root;
  root.path = "/";
  root.classification = {Runtime::Root, "", "/"};
  s.cgroups.push_back(root);
  CgroupSample agentOne;
  agentOne.path = "/agent/5f163af13c16efe8d868d2fc6ee9b570";
  agentOne.classification = {Runtime::Agent, "5f163af13c16efe8d868d2fc6ee9b570", "5f163af13c16"};
  agentOne.name = "web";
  s.cgroups.push_back(agentOne);
  std::string dockerId(64, 'd');
  CgroupSample dockerOne;
  dockerOne.path = "/docker/" + dockerId;
  dockerOne.classification = {Runtime::Docker, dockerId, dockerId.substr(0, 12)};
  dockerOne.name = "docker-web";
  s.cgroups.push_back(dockerOne);
  std::string otherId(64, 'e');  // an engine container the engine gave no upper dir
  CgroupSample dockerTwo;
  dockerTwo.path = "/docker/" + otherId;
  dockerTwo.classification = {Runtime::Docker, otherId, otherId.substr(0, 12)};
  s.cgroups.push_back(dockerTwo);
  auto agents = std::make_shared<std::map<std::string, AgentContainerInfo>>();
  (*agents)["5f163af13c16efe8d868d2fc6ee9b570"] =
      AgentContainerInfo{.name = "web", .upperDir = "/data/containers/5f163af13c16efe8d868d2fc6ee9b570/upper"};
  (*agents)["0123456789abcdef0123456789abcdef"] =
      AgentContainerInfo{.name = "stopped", .upperDir = "/data/containers/0123456789abcdef0123456789abcdef/upper"};
  s.agentContainers = agents;
  return s;
}

TEST(LayerUsageJoin, AgentAndEngineContainersWithAKnownUpperDirAreMeasuredOthersNot) {
  Snapshot s = snapshotWithContainers();
  engines::EngineContainers engineContainers;
  std::string dockerId(64, 'd'), otherId(64, 'e');
  engineContainers[dockerId] = {.id = dockerId, .name = "web", .upperDir = "/docker/overlay2/x/diff"};
  engineContainers[otherId] = {.id = otherId, .name = "db"};
  auto layers = writableLayersOf(s, &engineContainers);
  std::map<std::string, std::string> want = {
      {"5f163af13c16efe8d868d2fc6ee9b570", "/data/containers/5f163af13c16efe8d868d2fc6ee9b570/upper"},
      {dockerId, "/docker/overlay2/x/diff"}};
  EXPECT_EQ(layers, want) << "a stopped agent container (no cgroup) and a container without upper dir: none";
  EXPECT_EQ(writableLayersOf(s, nullptr).size(), 1u) << "without engines: the agent's own only";
}

TEST(LayerUsageJoin, MeasuresGoToTheirContainersSamplesAndAreWrittenAsCadvisorWritesThem) {
  Snapshot s = snapshotWithContainers();
  s.takenAtUnixMs = 1'700'000'000'000;
  std::string dockerId(64, 'd');
  LayerUsages usages;
  usages["5f163af13c16efe8d868d2fc6ee9b570"] = {.device = "/dev/vda", .usageBytes = 10485760, .limitBytes = 2000};
  usages[dockerId] = {.device = "/dev/vda", .usageBytes = 4096, .limitBytes = 2000};
  attachLayerUsage(s, usages);
  EXPECT_FALSE(s.cgroups[0].writableLayer) << "the root has no writable layer";
  ASSERT_TRUE(s.cgroups[1].writableLayer);
  EXPECT_EQ(s.cgroups[1].writableLayer->usageBytes, 10485760u);
  ASSERT_TRUE(s.cgroups[2].writableLayer);
  EXPECT_FALSE(s.cgroups[3].writableLayer);

  std::string text = renderMetrics(s, RenderOptions{"test", {}});
  EXPECT_NE(text.find("# TYPE container_fs_usage_bytes gauge"), std::string::npos) << text;
  EXPECT_NE(text.find("container_fs_usage_bytes{id=\"/agent/5f163af13c16efe8d868d2fc6ee9b570\",name=\"web\","
                      "image=\"\",device=\"/dev/vda\"} 10485760\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("container_fs_limit_bytes{id=\"/docker/" + dockerId +
                      "\",name=\"docker-web\",image=\"\",device=\"/dev/vda\"} 2000\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("container_fs_usage_bytes{id=\"/\""), std::string::npos);
  EXPECT_EQ(text.find("container_fs_usage_bytes{id=\"/docker/" + std::string(64, 'e')), std::string::npos);
  EXPECT_EQ(agent::testing::textFormatProblem(text), "");

  // Measures gone (the layer vanished): the series go with the next snapshot.
  attachLayerUsage(s, {});
  EXPECT_EQ(renderMetrics(s, RenderOptions{"test", {}}).find("container_fs_usage_bytes{"), std::string::npos);
}

// Lines of this host's /proc/self/mountinfo (ext4 root on a virtio disk, a private dockerd's
// overlay), a tmpfs and an xfs mount, a bind mount of the root's disk.
constexpr const char* kMountinfo =
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
    "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684092k\n"
    "30 27 254:0 /srv /mnt/bound rw,relatime - ext4 /dev/vda rw\n"
    "141 137 0:61 / /tmp/d/overlay2/c9/merged rw,relatime shared:2 - overlay overlay "
    "rw,lowerdir=/tmp/d/overlay2/l/A,upperdir=/tmp/d/overlay2/c9/diff,workdir=/tmp/d/overlay2/c9/work\n"
    "150 27 8:17 / /var/lib/docker rw,relatime - xfs /dev/sdb1 rw\n"
    "151 27 0:77 / /mnt/nine rw,relatime - 9p data rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n";

TEST(FilesystemDevice, NamesFilesystemsAsCadvisorDoes) {
  auto mounts = proc::parseMountinfo(kMountinfo);
  EXPECT_EQ(proc::filesystemDeviceName(mounts, 254, 0), "/dev/vda");
  EXPECT_EQ(proc::filesystemDeviceName(mounts, 8, 17), "/dev/sdb1");
  EXPECT_EQ(proc::filesystemDeviceName(mounts, 0, 23), "/dev/shm") << "tmpfs: its mount point";
  EXPECT_EQ(proc::filesystemDeviceName(mounts, 0, 61), "overlay_0-61") << "overlay: source_major-minor";
  EXPECT_EQ(proc::filesystemDeviceName(mounts, 0, 77), std::nullopt) << "9p: a type cAdvisor does not list";
  EXPECT_EQ(proc::filesystemDeviceName(mounts, 1, 1), std::nullopt);
  // The root's filesystem is named whatever its type.
  auto rootOn9p = proc::parseMountinfo("1 0 0:77 / / rw - 9p rootfs rw\n");
  EXPECT_EQ(proc::filesystemDeviceName(rootOn9p, 0, 77), "rootfs");
}

}  // namespace
}  // namespace agent::collectors
