// Kubernetes' containers on a containerd node, without a kubelet: a private containerd 1.6
// (scripts/private-containerd.sh: its own root, state dir, socket; the CRI plugin off) runs
// busybox with `ctr run --cgroup <kubepods-like path> --annotation ...`, the annotations
// Kubernetes' CRI plugin writes into every container's spec. agentd, its `containerd_state`
// pointed at that state dir, must show the pod, namespace and container as kubelet's cAdvisor
// labels them, the container's name and image, and end the series when the task goes.
#include <gtest/gtest.h>

#include <random>

#include "E2ESupport.h"
#include "PrivateEngine.h"

using namespace e2e;

namespace {

const std::string kPodUid = "0a1b2c3d-1111-2222-3333-444455556666";

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string randomHex64() {
  std::random_device random;
  std::string out;
  while (out.size() < 64) {
    char chunk[9];
    std::snprintf(chunk, sizeof chunk, "%08x", static_cast<unsigned>(random()));
    out += chunk;
  }
  return out;
}

// The lines of `metrics` whose `id` label is `cgroup`.
std::string seriesOf(const std::string& metrics, const std::string& cgroup) {
  std::string out;
  size_t at = 0;
  while (at < metrics.size()) {
    size_t end = metrics.find('\n', at);
    if (end == std::string::npos) end = metrics.size();
    std::string line = metrics.substr(at, end - at);
    if (has(line, "id=\"" + cgroup + "\"")) out += line + "\n";
    at = end + 1;
  }
  return out;
}

}  // namespace

class ContainerdE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    parent_ = "agent-test-" + std::to_string(::getpid()) + "-containerd";
    auto engine = agent::testsupport::startPrivateEngine(shell, "containerd",
                                                         AGENT_SCRIPTS_DIR "/private-containerd.sh", parent_);
    dir_ = engine.dir;
    skipReason_ = engine.skipReason;
    setupError_ = engine.error;
    if (!engine.started()) return;
    Ran image = shell(AGENT_SCRIPTS_DIR "/private-containerd.sh image " + dir_ +
                      " " AGENT_TEST_IMAGES "/busybox/rootfs docker.io/library/busybox:latest");
    if (image.exitCode != 0) setupError_ = "the busybox image did not import:\n" + image.out;
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) shell(AGENT_SCRIPTS_DIR "/private-containerd.sh stop " + dir_);
    EXPECT_FALSE(fs::exists(dir_)) << "the private containerd's directory stayed: " << dir_;
  }
  void SetUp() override {
    if (!skipReason_.empty()) AGENT_SKIP_OR_FAIL_UNDER_CI(skipReason_);
    ASSERT_TRUE(setupError_.empty()) << setupError_;
  }

  static Ran ctr(const std::string& args) { return shell("ctr -a " + dir_ + "/containerd.sock -n k8s.io " + args); }
  // As CRI would start container `name` of pod `pod` in namespace `ns`: its cgroup below a
  // kubepods tree of the test's own, and CRI's annotations (kubelet's labels are not in the
  // spec: containerd keeps them in its bolt DB only).
  static Ran runAsCri(const std::string& id, const std::string& name, const std::string& pod, const std::string& ns) {
    return ctr("run -d --null-io --cgroup /" + parent_ + "/kubepods/burstable/pod" + kPodUid + "/" + id +
               " --annotation io.kubernetes.cri.container-type=container"
               " --annotation io.kubernetes.cri.container-name=" +
               name + " --annotation io.kubernetes.cri.sandbox-id=" + std::string(64, 'e') +
               " --annotation io.kubernetes.cri.sandbox-name=" + pod +
               " --annotation io.kubernetes.cri.sandbox-namespace=" + ns +
               " --annotation io.kubernetes.cri.image-name=docker.io/library/busybox:latest"
               " --annotation io.kubernetes.container.hash=4a5b6c7d"
               " docker.io/library/busybox:latest " +
               id + " sleep 1000");
  }
  static void removeTask(const std::string& id) {
    ctr("tasks kill -s SIGKILL " + id);
    for (int i = 0; i < 50 && ctr("tasks delete " + id).exitCode != 0; ++i) std::this_thread::sleep_for(100ms);
    ctr("containers delete " + id);
  }

  static inline std::string dir_;
  static inline std::string parent_;
  static inline std::string skipReason_;
  static inline std::string setupError_;
};

TEST_F(ContainerdE2E, KubernetesNamesFromTheTaskBundleUntilTheTaskGoes) {
  Agent agent("containerd_state: " + dir_ +
              "/state\n"
              "container_labels: [io.kubernetes.pod.name, io.kubernetes.pod.namespace, io.kubernetes.container.name,"
              " io.kubernetes.pod.uid, io.cri-containerd.kind]\n");
  std::string id = randomHex64();
  Ran ran = runAsCri(id, "web", "web-7d4b9c-x2x7q", "shop");
  ASSERT_EQ(ran.exitCode, 0) << ran.out;
  std::string cgroup = "/" + parent_ + "/kubepods/burstable/pod" + kPodUid + "/" + id;

  std::string series;
  for (int i = 0; i < 50; ++i) {
    series = seriesOf(scrape(agent.metricsUrl()), cgroup);
    if (has(series, "name=\"web\"")) break;
    std::this_thread::sleep_for(200ms);
  }
  std::string memory;
  for (const auto& line : {std::string("container_memory_usage_bytes{")}) {
    size_t at = series.find(line);
    if (at != std::string::npos) memory = series.substr(at, series.find('\n', at) - at);
  }
  ASSERT_FALSE(memory.empty()) << "no series for " << cgroup << "\n" << agent.log();
  EXPECT_TRUE(has(memory, "name=\"web\"")) << memory;
  EXPECT_TRUE(has(memory, "image=\"docker.io/library/busybox:latest\"")) << memory;
  EXPECT_TRUE(has(memory, "container_label_io_kubernetes_pod_name=\"web-7d4b9c-x2x7q\"")) << memory;
  EXPECT_TRUE(has(memory, "container_label_io_kubernetes_pod_namespace=\"shop\"")) << memory;
  EXPECT_TRUE(has(memory, "container_label_io_kubernetes_container_name=\"web\"")) << memory;
  EXPECT_TRUE(has(memory, "container_label_io_kubernetes_pod_uid=\"" + kPodUid + "\"")) << memory;
  EXPECT_TRUE(has(memory, "container_label_io_cri_containerd_kind=\"container\"")) << memory;

  removeTask(id);
  for (int i = 0; i < 50 && !seriesOf(scrape(agent.metricsUrl()), cgroup).empty(); ++i)
    std::this_thread::sleep_for(200ms);
  EXPECT_EQ(seriesOf(scrape(agent.metricsUrl()), cgroup), "");
  EXPECT_FALSE(has(agent.log(), "containerd container")) << agent.log();  // no lookup failed
}

// A containerd container that CRI did not make (`ctr run` alone) is still containerd's: its
// series keeps the short id as its name and gets no Kubernetes labels.
TEST_F(ContainerdE2E, AContainerWithoutCriAnnotationsKeepsItsShortId) {
  Agent agent("containerd_state: " + dir_ + "/state\ncontainer_labels: [io.kubernetes.pod.name]\n");
  std::string id = randomHex64();
  Ran ran = ctr("run -d --null-io --cgroup /" + parent_ + "/kubepods/besteffort/pod" + kPodUid + "/" + id +
                " docker.io/library/busybox:latest " + id + " sleep 1000");
  ASSERT_EQ(ran.exitCode, 0) << ran.out;
  std::string cgroup = "/" + parent_ + "/kubepods/besteffort/pod" + kPodUid + "/" + id;
  std::string series;
  for (int i = 0; i < 50 && !has(series, "container_memory_usage_bytes{"); ++i) {
    series = seriesOf(scrape(agent.metricsUrl()), cgroup);
    std::this_thread::sleep_for(200ms);
  }
  removeTask(id);
  ASSERT_TRUE(has(series, "container_memory_usage_bytes{")) << agent.log();
  EXPECT_TRUE(has(series, "name=\"" + id.substr(0, 12) + "\"")) << series;
  EXPECT_TRUE(has(series, "container_label_io_kubernetes_pod_name=\"\"")) << series;
}
