// containerd's task bundles (config.json) as a private containerd 1.6 wrote them for
// `ctr run --annotation` with the annotations Kubernetes' CRI plugin sets
// (tests/unit/data/engines/containerd-*-config.json; scripts/private-containerd.sh).
#include "ContainerdBundle.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace agent::collectors::engines {
namespace {

const std::string kContainerId = "TESTID";  // the bundle directory's name; the spec lacks it
const std::string kUid = "0a1b2c3d-1111-2222-3333-444455556666";

std::string engineFixture(const std::string& name) {
  std::ifstream in(std::string(AGENT_FIXTURE_DIR) + "/../data/engines/" + name);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << name;
  return text.str();
}

TEST(ContainerdBundle, CriContainerGivesKubeletsLabelsNameAndImage) {
  auto got = parseContainerdBundle(engineFixture("containerd-container-config.json"), kContainerId);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->engine, Engine::Containerd);
  EXPECT_EQ(got->id, kContainerId);
  EXPECT_EQ(got->name, "web");
  EXPECT_EQ(got->image, "docker.io/library/busybox:latest");
  std::map<std::string, std::string> want = {{"io.kubernetes.pod.name", "web-7d4b9c-x2x7q"},
                                             {"io.kubernetes.pod.namespace", "shop"},
                                             {"io.kubernetes.pod.uid", kUid},
                                             {"io.kubernetes.container.name", "web"},
                                             {"io.cri-containerd.kind", "container"}};
  // Only these: kubelet's other annotations (io.kubernetes.container.hash, ...) are not labels.
  EXPECT_EQ(got->labels, want);
  EXPECT_TRUE(got->upperDir.empty());
  EXPECT_FALSE(got->limitsByApi);
}

TEST(ContainerdBundle, SandboxHasThePodButNoContainerName) {
  auto got = parseContainerdBundle(engineFixture("containerd-sandbox-config.json"), kContainerId);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->name, "");
  EXPECT_EQ(got->image, "");
  EXPECT_EQ(got->labels.at("io.kubernetes.pod.name"), "web-7d4b9c-x2x7q");
  EXPECT_EQ(got->labels.at("io.kubernetes.pod.namespace"), "shop");
  EXPECT_EQ(got->labels.at("io.cri-containerd.kind"), "sandbox");
  EXPECT_EQ(got->labels.count("io.kubernetes.container.name"), 0u);
}

TEST(ContainerdBundle, WithoutCriAnnotationsOnlyTheId) {
  for (std::string text : std::vector<std::string>{
           R"({"ociVersion":"1.0.2"})", R"({"annotations":null})",
           R"({"annotations":{"foo":"bar"},"linux":{"cgroupsPath":"/kubepods/pod)" + kUid + R"(/x"}})"}) {
    auto got = parseContainerdBundle(text, kContainerId);
    ASSERT_TRUE(got) << text << ": " << got.error().message();
    EXPECT_EQ(got->id, kContainerId);
    EXPECT_EQ(got->name, "") << text;
    EXPECT_TRUE(got->labels.empty()) << text;
  }
}

TEST(ContainerdBundle, SandboxUidAnnotationWinsOverThePath) {
  auto got = parseContainerdBundle(
      R"({"annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.sandbox-uid":"u-1"},)"
      R"("linux":{"cgroupsPath":"/kubepods/pod)" +
          kUid + R"(/c"}})",
      kContainerId);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->labels.at("io.kubernetes.pod.uid"), "u-1");
}

TEST(ContainerdBundle, NonStringAnnotationIsSkippedNotFatal) {
  auto got = parseContainerdBundle(
      R"({"annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.container-name":7,)"
      R"("io.kubernetes.cri.sandbox-name":"p"}})",
      kContainerId);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "");
  EXPECT_EQ(got->labels.at("io.kubernetes.pod.name"), "p");
}

TEST(ContainerdBundle, RefusesWhatIsNotASpec) {
  for (std::string text :
       std::vector<std::string>{"", "[]", "{", "null", R"({"annotations":[]})", R"({"linux":{"cgroupsPath":3}})"}) {
    auto got = parseContainerdBundle(text, kContainerId);
    ASSERT_FALSE(got) << text;
    EXPECT_NE(got.error().message().find("containerd"), std::string::npos) << got.error().message();
    EXPECT_NE(got.error().message().find(kContainerId), std::string::npos) << got.error().message();
  }
}

TEST(ContainerdBundle, PodUidFromKubeletsCgroupPaths) {
  const std::string id(64, 'a');
  EXPECT_EQ(podUidFromCgroupPath("/kubepods/burstable/pod" + kUid + "/" + id), kUid);
  EXPECT_EQ(podUidFromCgroupPath("/kubepods/pod" + kUid + "/" + id), kUid);
  EXPECT_EQ(podUidFromCgroupPath("/agent-test-1-x/kubepods/besteffort/pod" + kUid + "/" + id), kUid);
  // systemd driver, as containerd's spec has it (slice:prefix:name) and as a path.
  EXPECT_EQ(
      podUidFromCgroupPath("kubepods-burstable-pod0a1b2c3d_1111_2222_3333_444455556666.slice:cri-containerd:" + id),
      kUid);
  EXPECT_EQ(podUidFromCgroupPath("/kubepods.slice/kubepods-besteffort.slice/"
                                 "kubepods-besteffort-pod0a1b2c3d_1111_2222_3333_444455556666.slice/cri-containerd-" +
                                 id + ".scope"),
            kUid);
  // A static pod's UID is kubelet's 32-hex hash.
  EXPECT_EQ(podUidFromCgroupPath("/kubepods/pod" + std::string(32, 'b') + "/" + id), std::string(32, 'b'));
  for (std::string none :
       std::vector<std::string>{"", "/", "/docker/" + id, "/kubepods/burstable", "/kubepods/podx/" + id,
                                "/srv/mypod" + kUid + "/x", "/kubepods/pod" + kUid + "z/" + id}) {
    EXPECT_EQ(podUidFromCgroupPath(none), "") << none;
  }
}

}  // namespace
}  // namespace agent::collectors::engines
