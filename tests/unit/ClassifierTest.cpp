// Real-world cgroup paths (docker with both drivers, kubepods with both drivers and three
// runtimes, podman as root and rootless, lxc old and new, systemd units) and what they are.
#include "Classifier.h"

#include <gtest/gtest.h>

namespace agent::collectors {
namespace {

const std::string kDocker = "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";
const std::string kAgent = "5f163af13c16efe8d868d2fc6ee9b570";

struct Case {
  std::string path;
  Runtime runtime;
  std::string id;
  std::string name;
};

TEST(Classifier, RealWorldPaths) {
  const std::vector<Case> cases = {
      {"/", Runtime::Root, "", "/"},
      {"/agent/" + kAgent, Runtime::Agent, kAgent, kAgent.substr(0, 12)},
      {"/agent/" + kAgent + "/", Runtime::Agent, kAgent, kAgent.substr(0, 12)},
      {"/agent/" + kAgent + "/nested", Runtime::Other, "", "nested"},
      {"/elsewhere/" + kAgent, Runtime::Other, "", kAgent},
      {"/docker/" + kDocker, Runtime::Docker, kDocker, kDocker.substr(0, 12)},
      {"/system.slice/docker-" + kDocker + ".scope", Runtime::Docker, kDocker, kDocker.substr(0, 12)},
      {"/docker/" + kDocker + "/init.scope", Runtime::Systemd, "init.scope", "init.scope"},
      {"/docker", Runtime::Other, "", "docker"},
      {"/kubepods/besteffort/pod0a1b2c3d-1111-2222-3333-444455556666/" + kDocker, Runtime::Containerd, kDocker,
       kDocker.substr(0, 12)},
      {"/kubepods/pod0a1b2c3d-1111-2222-3333-444455556666/" + kDocker, Runtime::Containerd, kDocker,
       kDocker.substr(0, 12)},
      {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0a1b2c3d_1111.slice/cri-containerd-" + kDocker +
           ".scope",
       Runtime::Containerd, kDocker, kDocker.substr(0, 12)},
      {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podx.slice/crio-" + kDocker + ".scope",
       Runtime::Containerd, kDocker, kDocker.substr(0, 12)},
      {"/kubepods.slice/kubepods-pody.slice/docker-" + kDocker + ".scope", Runtime::Docker, kDocker,
       kDocker.substr(0, 12)},
      {"/kubepods.slice/kubepods-burstable.slice", Runtime::Systemd, "kubepods-burstable.slice",
       "kubepods-burstable.slice"},
      {"/kubepods/besteffort/pod0a1b2c3d-1111-2222-3333-444455556666", Runtime::Other, "",
       "pod0a1b2c3d-1111-2222-3333-444455556666"},
      {"/machine.slice/libpod-" + kDocker + ".scope", Runtime::Podman, kDocker, kDocker.substr(0, 12)},
      {"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kDocker + ".scope", Runtime::Podman,
       kDocker, kDocker.substr(0, 12)},
      {"/libpod_parent/libpod-" + kDocker, Runtime::Podman, kDocker, kDocker.substr(0, 12)},
      {"/machine.slice/libpod-conmon-" + kDocker + ".scope", Runtime::Systemd, "libpod-conmon-" + kDocker + ".scope",
       "libpod-conmon-" + kDocker + ".scope"},
      {"/lxc/web01", Runtime::Lxc, "web01", "web01"},
      {"/lxc.payload.web01", Runtime::Lxc, "web01", "web01"},
      {"/lxc.payload/web01", Runtime::Lxc, "web01", "web01"},
      {"/lxc.monitor.web01", Runtime::Other, "", "lxc.monitor.web01"},
      {"/system.slice/ssh.service", Runtime::Systemd, "ssh.service", "ssh.service"},
      {"/user.slice/user-0.slice/session-3.scope", Runtime::Systemd, "session-3.scope", "session-3.scope"},
      {"/system.slice", Runtime::Systemd, "system.slice", "system.slice"},
      {"/process_api", Runtime::Other, "", "process_api"},
      {"/docker/" + kDocker.substr(0, 63), Runtime::Other, "", kDocker.substr(0, 63)},
      {"/docker/" + std::string(64, 'G'), Runtime::Other, "", std::string(64, 'G')},
  };
  for (const auto& c : cases) {
    auto got = classify(c.path, "/agent");
    EXPECT_EQ(runtimeName(got.runtime), runtimeName(c.runtime)) << c.path;
    EXPECT_EQ(got.id, c.id) << c.path;
    EXPECT_EQ(got.name, c.name) << c.path;
  }
}

// Seen here (scripts/private-podman.sh, docs/engines.md): podman's cgroupfs manager puts a
// container with --cgroup-parent P at P/libpod-<id>, not below /libpod_parent.
TEST(Classifier, PodmanBelowAnyCgroupParent) {
  auto got = classify("/agent-test-19950-podman/libpod-" + kDocker, "/agent");
  EXPECT_EQ(runtimeName(got.runtime), "podman");
  EXPECT_EQ(got.id, kDocker);
  EXPECT_EQ(runtimeName(classify("/agent-test-19950-podman/conmon", "/agent").runtime), "other");
}

// kubelet's --cgroup-root moves kubepods down a level (/kubelet/kubepods/..., kind's nodes;
// the containerd host test's /agent-test-<pid>/kubepods/...).
TEST(Classifier, KubepodsBelowACgroupRoot) {
  for (std::string root : {"/kubelet", "/agent-test-1-x", "/a/b"}) {
    auto got = classify(root + "/kubepods/burstable/pod0a1b2c3d-1111-2222-3333-444455556666/" + kDocker, "/agent");
    EXPECT_EQ(runtimeName(got.runtime), "containerd") << root;
    EXPECT_EQ(got.id, kDocker) << root;
  }
  EXPECT_EQ(runtimeName(classify("/notkubepods/pod0/" + kDocker, "/agent").runtime), "other");
  EXPECT_EQ(runtimeName(classify("/x/kubepodsish/pod0/" + kDocker, "/agent").runtime), "other");
}

TEST(Classifier, TheAgentParentIsConfigurable) {
  EXPECT_EQ(classify("/agent-test-1-x/agent/" + kAgent, "/agent-test-1-x/agent").runtime, Runtime::Agent);
  EXPECT_EQ(classify("/agent-test-1-x/agent/" + kAgent, "/agent-test-1-x/agent/").runtime, Runtime::Agent);
  EXPECT_EQ(classify("/agent/" + kAgent, "/agent-test-1-x/agent").runtime, Runtime::Other);
}

// The systemd cgroup driver: the container is its scope's `container` leaf; the scope itself
// is a systemd unit and its `supervisor` leaf (the shim) no container.
TEST(Classifier, UnderTheSystemdDriverTheContainerIsItsScopesContainerLeaf) {
  std::string scope = "/agent.slice/agent-" + kAgent + ".scope";
  auto leaf = classify(scope + "/container", "/agent.slice");
  EXPECT_EQ(leaf.runtime, Runtime::Agent);
  EXPECT_EQ(leaf.id, kAgent);
  EXPECT_EQ(classify(scope, "/agent.slice").runtime, Runtime::Systemd);
  EXPECT_EQ(classify(scope + "/supervisor", "/agent.slice").runtime, Runtime::Other);
  EXPECT_EQ(classify(scope + "/container", "/other.slice").runtime, Runtime::Other);
  EXPECT_EQ(classify("/agent.slice/agent-xyz.scope/container", "/agent.slice").runtime, Runtime::Other);
}

TEST(Classifier, TheTrailingContainerIdIsTheEnginesFullIdWhateverItsParent) {
  EXPECT_EQ(trailingContainerId("/docker/" + kDocker), kDocker);
  EXPECT_EQ(trailingContainerId("/my-parent/" + kDocker), kDocker);
  EXPECT_EQ(trailingContainerId("/system.slice/docker-" + kDocker + ".scope"), kDocker);
  EXPECT_EQ(trailingContainerId("/machine.slice/libpod-" + kDocker + ".scope"), kDocker);
  EXPECT_EQ(trailingContainerId("/agent/" + kAgent), "");
  EXPECT_EQ(trailingContainerId("/batch/jobs"), "");
}

TEST(Classifier, ContainersAreTheRuntimesThatRunThem) {
  for (Runtime r : {Runtime::Agent, Runtime::Docker, Runtime::Containerd, Runtime::Podman, Runtime::Lxc})
    EXPECT_TRUE(isContainerRuntime(r)) << runtimeName(r);
  for (Runtime r : {Runtime::Root, Runtime::Systemd, Runtime::Other})
    EXPECT_FALSE(isContainerRuntime(r)) << runtimeName(r);
}

}  // namespace
}  // namespace agent::collectors
