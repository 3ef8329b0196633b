// Writable layers measured on a real filesystem: du's rules (blocks, not sizes; hard links
// once; symlinks not followed; a mount inside not entered), cAdvisor's device name and
// capacity, and the sampler's thread feeding a snapshot's agent and engine containers.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "Collector.h"
#include "DirectoryUsage.h"
#include "EngineDirectory.h"
#include "HostTestSupport.h"
#include "LayerMeasure.h"
#include "LayerUsageSampler.h"

namespace agent::hosttest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr uint64_t kMiB = 1 << 20;

void writeBytes(const std::string& path, uint64_t bytes) {
  std::string chunk(64 * 1024, 'x');
  std::ofstream out(path, std::ios::binary);
  for (uint64_t written = 0; written < bytes; written += chunk.size()) out.write(chunk.data(), chunk.size());
  out.flush();
  ASSERT_TRUE(out.good()) << path;
}

// A shell command's standard output ("" when it could not run).
std::string outputOf(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[256];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    ::pclose(pipe);
  }
  return out;
}

DirectoryUsage usageOf(const std::string& dir) {
  auto fd = openDirectoryNoFollow(dir);
  EXPECT_TRUE(fd) << fd.error().message();
  if (!fd) return {};
  auto usage = measureDirectoryUsage(fd->get(), dir);
  EXPECT_TRUE(usage) << usage.error().message();
  return usage ? *usage : DirectoryUsage{};
}

// A tmpfs mounted for the test, unmounted whatever happens.
class TmpfsMount {
 public:
  TmpfsMount(const std::string& at, const char* options) : at_(at) {
    fs::create_directories(at);
    mounted_ = ::mount("tmpfs", at.c_str(), "tmpfs", 0, options) == 0;
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string at_;
  bool mounted_ = false;
};

TEST(WritableLayerUsage, CountsBlocksOfEveryInodeOnceWithinItsOwnFilesystem) {
  ScratchDir scratch;
  std::string layer = scratch.path() + "/upper", outside = scratch.path() + "/outside";
  fs::create_directories(layer + "/etc");
  fs::create_directories(outside);
  DirectoryUsage empty = usageOf(layer);
  EXPECT_EQ(empty.inodes, 2u) << "the layer and etc/";

  writeBytes(layer + "/etc/data", kMiB);
  DirectoryUsage withFile = usageOf(layer);
  EXPECT_GE(withFile.bytes - empty.bytes, kMiB);
  EXPECT_LT(withFile.bytes - empty.bytes, kMiB + 64 * 1024);
  EXPECT_EQ(withFile.inodes, 3u);

  // A second name for the same inode: no more blocks, no more inodes.
  ASSERT_EQ(::link((layer + "/etc/data").c_str(), (layer + "/hardlink").c_str()), 0);
  DirectoryUsage linked = usageOf(layer);
  EXPECT_EQ(linked.bytes, withFile.bytes) << "a hard link counted twice";
  EXPECT_EQ(linked.inodes, 3u);

  // A symlink to a big file outside: the link's own inode only, never what it points to.
  writeBytes(outside + "/big", 8 * kMiB);
  ASSERT_EQ(::symlink((outside + "/big").c_str(), (layer + "/to-big").c_str()), 0);
  ASSERT_EQ(::symlink(outside.c_str(), (layer + "/to-outside-dir").c_str()), 0);
  DirectoryUsage symlinked = usageOf(layer);
  EXPECT_LT(symlinked.bytes - linked.bytes, 64 * 1024u) << "a symlink was followed";
  EXPECT_EQ(symlinked.inodes, 5u);

  // A sparse file: a gibibyte long, one 4 KiB block written.
  {
    int fd = ::open((layer + "/sparse").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, 1 << 30), 0);
    ASSERT_EQ(::pwrite(fd, std::string(4096, 's').data(), 4096, 1 << 29), 4096);
    ::close(fd);
  }
  DirectoryUsage sparse = usageOf(layer);
  EXPECT_LT(sparse.bytes - symlinked.bytes, kMiB) << "a sparse file counted by its size, not its blocks";
  EXPECT_GE(sparse.bytes - symlinked.bytes, 4096u);

  // A mount inside the layer (another filesystem): neither entered nor counted.
  TmpfsMount nested(layer + "/mnt", "size=16m");
  ASSERT_TRUE(nested.mounted()) << "mount tmpfs: " << std::strerror(errno);
  writeBytes(layer + "/mnt/inside", 4 * kMiB);
  for (int i = 0; i < 10; ++i) writeBytes(layer + "/mnt/f" + std::to_string(i), 4096);
  fs::create_directories(layer + "/mnt/sub/dir");
  DirectoryUsage mounted = usageOf(layer);
  EXPECT_LT(mounted.bytes, sparse.bytes + 64 * 1024) << "the nested tmpfs was counted";
  EXPECT_EQ(mounted.inodes, sparse.inodes) << "the nested tmpfs was entered (its root and directories counted)";

  // What du -x says, for the same tree (GNU du counts each inode once, like us).
  std::string du = outputOf("du -s -x -B1 " + layer + " | cut -f1");
  ASSERT_FALSE(du.empty());
  EXPECT_NEAR(static_cast<double>(mounted.bytes), std::stod(du), 8192.0) << "du -x -B1 says " << du;
}

TEST(WritableLayerUsage, TheFilesystemIsNamedAsCadvisorNamesItAndItsCapacityIsTheLimit) {
  ScratchDir scratch;
  std::string at = scratch.path() + "/tmpfs";
  TmpfsMount tmpfs(at, "size=8m");
  ASSERT_TRUE(tmpfs.mounted());
  fs::create_directories(at + "/upper");
  writeBytes(at + "/upper/f", 2 * kMiB);
  collectors::LayerMeasure measure;
  auto usage = measure(at + "/upper");
  ASSERT_TRUE(usage) << usage.error().message();
  EXPECT_EQ(usage->device, at) << "cAdvisor names a tmpfs by its mount point";
  EXPECT_EQ(usage->limitBytes, 8 * kMiB) << "the filesystem's capacity (statfs)";
  EXPECT_GE(usage->usageBytes, 2 * kMiB);
  EXPECT_EQ(usage->inodes, 2u);

  // On this host's disk: the mount source, as /proc/self/mountinfo gives it.
  auto onDisk = measure(scratch.path());
  ASSERT_TRUE(onDisk) << onDisk.error().message();
  std::string source = outputOf("findmnt -n -o SOURCE,FSTYPE -T " + scratch.path());
  if (!source.empty() && source.back() == '\n') source.pop_back();
  std::cout << "[ INFO     ] " << scratch.path() << " is on " << source << "; device label: " << onDisk->device
            << ", limit " << onDisk->limitBytes << " bytes\n";
  EXPECT_FALSE(onDisk->device.empty());

  // Gone: an error that says so (the series end, nothing is logged).
  auto gone = measure(scratch.path() + "/no-such-layer");
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().isGone()) << gone.error().message();
  // A symlink where the layer was: refused, not followed.
  ASSERT_EQ(::symlink(at.c_str(), (scratch.path() + "/link").c_str()), 0);
  auto link = measure(scratch.path() + "/link");
  EXPECT_FALSE(link) << "a symlinked layer was followed";
}

TEST(WritableLayerUsage, TheSamplerMeasuresAgentAndEngineLayersOnItsOwnThreadAndDropsVanishedOnes) {
  ScratchDir scratch;
  std::string agentLayer = scratch.path() + "/agent-upper", dockerLayer = scratch.path() + "/docker-diff";
  fs::create_directories(agentLayer);
  fs::create_directories(dockerLayer);
  writeBytes(agentLayer + "/a", kMiB);
  writeBytes(dockerLayer + "/d", 3 * kMiB);

  std::string agentId = "5f163af13c16efe8d868d2fc6ee9b570", dockerId(64, 'd');
  collectors::engines::EngineDirectory engines;
  engines.upsert({.id = dockerId, .name = "web", .upperDir = dockerLayer});
  collectors::LayerUsageSampler sampler(300ms);
  sampler.readEnginesFrom(&engines);
  auto snapshot = [&] {
    collectors::Snapshot s;
    collectors::CgroupSample a, d;
    a.path = "/agent/" + agentId;
    a.classification = {collectors::Runtime::Agent, agentId, agentId.substr(0, 12)};
    d.path = "/docker/" + dockerId;
    d.classification = {collectors::Runtime::Docker, dockerId, dockerId.substr(0, 12)};
    s.cgroups = {a, d};
    auto agents = std::make_shared<collectors::AgentContainers>();
    (*agents)[agentId] = {.name = "mine", .upperDir = agentLayer};
    s.agentContainers = agents;
    sampler.update(s);
    return s;
  };
  // The first collection finds no measure yet (it never waits for a walk), a later one does.
  auto waitFor = [&](auto done) {
    collectors::Snapshot s = snapshot();
    for (int i = 0; i < 50 && !done(s); ++i) {
      std::this_thread::sleep_for(100ms);
      s = snapshot();
    }
    return s;
  };
  auto s =
      waitFor([](const collectors::Snapshot& s) { return s.cgroups[0].writableLayer && s.cgroups[1].writableLayer; });
  ASSERT_TRUE(s.cgroups[0].writableLayer && s.cgroups[1].writableLayer);
  EXPECT_GE(s.cgroups[0].writableLayer->usageBytes, kMiB);
  EXPECT_LT(s.cgroups[0].writableLayer->usageBytes, 2 * kMiB);
  EXPECT_GE(s.cgroups[1].writableLayer->usageBytes, 3 * kMiB);

  // The container writes: seen within the interval.
  writeBytes(agentLayer + "/b", 2 * kMiB);
  s = waitFor([](const collectors::Snapshot& s) {
    return s.cgroups[0].writableLayer && s.cgroups[0].writableLayer->usageBytes >= 3 * kMiB;
  });
  EXPECT_GE(s.cgroups[0].writableLayer->usageBytes, 3 * kMiB);

  // The engine's layer vanishes (docker rm): its series end; the agent's stays.
  fs::remove_all(dockerLayer);
  s = waitFor([](const collectors::Snapshot& s) { return !s.cgroups[1].writableLayer; });
  EXPECT_FALSE(s.cgroups[1].writableLayer);
  EXPECT_TRUE(s.cgroups[0].writableLayer);
}

// A container can nest directories as deep as it likes: the walk stops entering them at
// kDirectoryUsageMaxDepth (each level holds a descriptor) and says so, counting what it saw.
TEST(WritableLayerUsage, ATreeDeeperThanTheLimitIsCountedDownToTheLimit) {
  ScratchDir scratch;
  std::string layer = scratch.path() + "/upper", path = layer;
  for (size_t i = 0; i < kDirectoryUsageMaxDepth + 44; ++i) path += "/a";
  fs::create_directories(path);
  DirectoryUsage usage = usageOf(layer);
  EXPECT_TRUE(usage.cutAtDepth);
  EXPECT_EQ(usage.inodes, kDirectoryUsageMaxDepth + 1) << "the layer and its directories down to the limit";
  fs::remove_all(layer + "/a");
  fs::create_directories(layer + "/a/b");
  EXPECT_FALSE(usageOf(layer).cutAtDepth);
}

// The cost of one walk: 10,000 files of 1 KiB in 100 directories.
TEST(WritableLayerUsage, WalkingTenThousandFilesTakesMilliseconds) {
  ScratchDir scratch;
  std::string layer = scratch.path() + "/upper";
  std::string block(1024, 'x');
  for (int d = 0; d < 100; ++d) {
    std::string dir = layer + "/d" + std::to_string(d);
    fs::create_directories(dir);
    for (int f = 0; f < 100; ++f) {
      int fd = ::open((dir + "/f" + std::to_string(f)).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      ASSERT_GE(fd, 0);
      ASSERT_EQ(::write(fd, block.data(), block.size()), 1024);
      ::close(fd);
    }
  }
  (void)usageOf(layer);  // the inodes in the cache, as they are for a layer walked every minute
  auto started = std::chrono::steady_clock::now();
  DirectoryUsage usage = usageOf(layer);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  std::cout << "[ INFO     ] walked " << usage.inodes << " inodes (" << usage.bytes << " bytes) in " << ms << " ms\n";
  EXPECT_EQ(usage.inodes, 10101u);
  EXPECT_LT(ms, 1000.0) << "a walk of 10,000 files should take milliseconds";
}

}  // namespace
}  // namespace agent::hosttest
