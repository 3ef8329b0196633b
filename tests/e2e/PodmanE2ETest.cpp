// podman's containers as agentd finds them: a private podman 4.3 (scripts/private-podman.sh:
// its own store, config files and API socket; cgroupfs manager) runs busybox with
// `--cgroup-parent`, which puts the container at <parent>/libpod-<64 hex>. agentd, pointed at
// that podman's API socket (`engines.podman`), must export it as podman's, by its name, image
// and labels (read through the Docker-compatible API), with the memory limit podman set, and
// list it in `ps --all-cgroups`.
#include <gtest/gtest.h>

#include "E2ESupport.h"
#include "PrivateEngine.h"

using namespace e2e;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

class PodmanE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    parent_ = "agent-test-" + std::to_string(::getpid()) + "-podman";
    auto engine =
        agent::testsupport::startPrivateEngine(shell, "podman", AGENT_SCRIPTS_DIR "/private-podman.sh", parent_);
    dir_ = engine.dir;
    skipReason_ = engine.skipReason;
    setupError_ = engine.error;
    if (!engine.started()) return;
    Ran image = shell("tar -C " AGENT_TEST_IMAGES "/busybox/rootfs -c . | " + podmanCommand() +
                      " import -q -c 'CMD [\"/bin/sh\"]' - busybox:latest");
    if (image.exitCode != 0) setupError_ = "the busybox image did not import:\n" + image.out;
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) shell(AGENT_SCRIPTS_DIR "/private-podman.sh stop " + dir_);
    EXPECT_FALSE(fs::exists(dir_)) << "the private podman's directory stayed: " << dir_;
  }
  void SetUp() override {
    if (!skipReason_.empty()) AGENT_SKIP_OR_FAIL_UNDER_CI(skipReason_);
    ASSERT_TRUE(setupError_.empty()) << setupError_;
  }

  // Never a bare `podman`: that one would use the host's store.
  static std::string podmanCommand() {
    return "env CONTAINERS_CONF=" + dir_ + "/containers.conf CONTAINERS_STORAGE_CONF=" + dir_ +
           "/storage.conf /usr/bin/podman";
  }
  static Ran podman(const std::string& args) { return shell(podmanCommand() + " " + args); }

  static inline std::string dir_;
  static inline std::string parent_;
  static inline std::string skipReason_;
  static inline std::string setupError_;
};

TEST_F(PodmanE2E, ItsContainerBelowACgroupParentIsPodmansByItsNameWithItsLimit) {
  Agent agent("collect_interval: 0.5\ncontainer_labels: [tier]\nengines: {docker: {enabled: false}, podman: {socket: " +
              dir_ + "/podman.sock, enabled: true}}\n");
  Ran ran = podman("run -d --name web --memory 64m --label tier=web --network none --cgroup-parent /" + parent_ +
                   " busybox sleep 1000");
  ASSERT_EQ(ran.exitCode, 0) << ran.out;
  std::string id = ran.out.substr(0, 64);
  std::string cgroup = "/" + parent_ + "/libpod-" + id;

  std::string series;
  for (int i = 0; i < 50; ++i) {
    std::string metrics = scrape(agent.metricsUrl());
    size_t at = metrics.find("container_spec_memory_limit_bytes{id=\"" + cgroup + "\"");
    if (at != std::string::npos) series = metrics.substr(at, metrics.find('\n', at) - at);
    if (has(series, "name=\"web\"")) break;
    std::this_thread::sleep_for(200ms);
  }
  Ran ps = agent.ctl("ps --all-cgroups");
  Ran removed = podman("rm -f -t 0 web");
  ASSERT_FALSE(series.empty()) << "no series for " << cgroup << "\n" << ps.out;
  EXPECT_TRUE(has(series, "name=\"web\"")) << series << "\n" << agent.log();
  EXPECT_TRUE(has(series, "image=\"localhost/busybox:latest\"")) << series;
  EXPECT_TRUE(has(series, "container_label_tier=\"web\"")) << series;
  EXPECT_TRUE(has(series, "} 67108864")) << series;
  EXPECT_TRUE(has(ps.out, "podman")) << ps.out;

  // podman rm (its `remove` event, and the cgroup gone): nothing of `web` stays exported.
  EXPECT_EQ(removed.exitCode, 0) << removed.out;
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    std::string metrics = scrape(agent.metricsUrl());
    gone = !has(metrics, "id=\"" + cgroup + "\"") && !has(metrics, "name=\"web\"");
    if (!gone) std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(gone) << "web's series stayed after podman rm\n" << agent.ctl("ps --all-cgroups").out;
  EXPECT_FALSE(has(agent.ctl("ps --all-cgroups").out, id.substr(0, 12)));
}
