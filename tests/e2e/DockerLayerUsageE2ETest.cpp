// A real Docker container's writable layer (a private dockerd: scripts/private-dockerd.sh),
// measured from the upper dir Docker reports, as the Docker client puts it in
// EngineContainer::upperDir: what it writes shows, on the data root's device, and goes with
// `docker rm`.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "Collector.h"
#include "EngineDirectory.h"
#include "LayerMeasure.h"
#include "LayerUsageSampler.h"

namespace agent::e2etest {
namespace {

using namespace std::chrono_literals;
constexpr uint64_t kMiB = 1 << 20;

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

// A private dockerd (scripts/private-dockerd.sh), stopped and removed whatever happens.
class PrivateDockerd {
 public:
  PrivateDockerd() {
    char dir[] = "/tmp/agent-test-fsu-docker-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return;
    dir_ = dir;
    status_ = std::system((std::string(AGENT_SCRIPTS_DIR "/private-dockerd.sh start ") + dir_ + " agent-test-" +
                           std::to_string(::getpid()) + "-fsu-docker >" + dir_ + ".start.log 2>&1")
                              .c_str());
  }
  ~PrivateDockerd() {
    if (dir_.empty()) return;
    int stopped =
        std::system((std::string(AGENT_SCRIPTS_DIR "/private-dockerd.sh stop ") + dir_ + " >/dev/null 2>&1").c_str());
    if (stopped != 0)
      std::fprintf(stderr, "the private dockerd in %s did not stop cleanly (%d)\n", dir_.c_str(), stopped);
    std::filesystem::remove(dir_ + ".start.log");
  }
  bool missing() const { return WIFEXITED(status_) && WEXITSTATUS(status_) == 2; }
  bool running() const { return !dir_.empty() && status_ == 0; }
  std::string startLog() const { return outputOf("cat " + dir_ + ".start.log"); }
  std::string docker(const std::string& args) const {
    std::string out = outputOf("/usr/bin/docker -H unix://" + dir_ + "/docker.sock " + args + " 2>&1");
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int status_ = -1;
};

// A Docker container's writable layer, from the upper dir Docker reports (what the Docker
// client puts in EngineContainer::upperDir), measured like the agent's own.
TEST(DockerLayerUsageE2E, ADockerContainersLayerIsMeasuredFromTheUpperDirDockerReports) {
  PrivateDockerd dockerd;
  if (dockerd.missing()) {
    const char* ci = std::getenv("CI");  // under CI the set-up installs docker.io: missing is a fault
    if (ci && *ci && std::string(ci) != "false") FAIL() << "docker.io is not installed under CI";
    GTEST_SKIP() << "docker.io is not installed: " << dockerd.startLog();
  }
  ASSERT_TRUE(dockerd.running()) << dockerd.startLog();
  ASSERT_EQ(std::system(("tar -C " AGENT_TEST_IMAGES "/busybox/rootfs -c . | /usr/bin/docker -H unix://" +
                         dockerd.dir() + "/docker.sock import - agent-fsu-busybox:imported >/dev/null")
                            .c_str()),
            0);
  std::string id = dockerd.docker(
      "run -d --network none --name fsu agent-fsu-busybox:imported sh -c 'dd if=/dev/zero of=/big bs=1M count=6 "
      "&& sync; sleep 300'");
  ASSERT_EQ(id.size(), 64u) << id;
  std::string upper = dockerd.docker("inspect --format '{{.GraphDriver.Name}} {{.GraphDriver.Data.UpperDir}}' fsu");
  ASSERT_EQ(upper.rfind("overlay2 ", 0), 0u) << upper;
  upper = upper.substr(9);

  collectors::engines::EngineDirectory engines;
  engines.upsert({.id = id, .name = "fsu", .upperDir = upper});
  collectors::LayerUsageSampler sampler(200ms);
  sampler.readEnginesFrom(&engines);
  auto collect = [&] {
    collectors::Snapshot s;
    collectors::CgroupSample d;
    d.path = "/docker/" + id;
    d.classification = {collectors::Runtime::Docker, id, id.substr(0, 12)};
    s.cgroups = {d};
    sampler.update(s);
    return s.cgroups[0].writableLayer;
  };
  auto layer = collect();
  for (int i = 0; i < 100 && !(layer && layer->usageBytes >= 6 * kMiB); ++i) {
    std::this_thread::sleep_for(100ms);
    layer = collect();
  }
  ASSERT_TRUE(layer) << upper;
  EXPECT_GE(layer->usageBytes, 6 * kMiB);
  EXPECT_LT(layer->usageBytes, 7 * kMiB) << "the image's layers are not the container's";
  collectors::LayerMeasure measure;
  auto dataRoot = measure(dockerd.dir());
  ASSERT_TRUE(dataRoot);
  EXPECT_EQ(layer->device, dataRoot->device) << "the filesystem holding Docker's data root";
  std::cout << "[ INFO     ] docker container " << id.substr(0, 12) << ": " << layer->usageBytes << " bytes on "
            << layer->device << " (limit " << layer->limitBytes << ")\n";

  // docker rm: the upper dir goes, and with it the value.
  dockerd.docker("rm -f fsu");
  for (int i = 0; i < 50 && layer; ++i) {
    std::this_thread::sleep_for(100ms);
    layer = collect();
  }
  EXPECT_FALSE(layer) << "a removed container's layer still measured";
}

}  // namespace
}  // namespace agent::e2etest
