// The containerd watcher on a fixture state dir laid out as containerd 1.6 lays it out
// (io.containerd.runtime.v2.task/<namespace>/<id>/config.json), and the join of engine names
// into a snapshot's samples.
#include "ContainerdWatcher.h"

#include <gtest/gtest.h>

#include "FixtureTree.h"

namespace agent::engines {
namespace {

using collectors::engines::EngineDirectory;

const std::string kId(64, 'c');
const std::string kOther(64, 'd');

std::string criSpec(const std::string& container, const std::string& pod) {
  return R"({"annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.container-name":")" +
         container + R"(","io.kubernetes.cri.sandbox-name":")" + pod +
         R"(","io.kubernetes.cri.sandbox-namespace":"shop","io.kubernetes.cri.image-name":"docker.io/library/busybox:latest"}})";
}

TEST(ContainerdWatcher, ANewIdIsLookedUpOnceAndErasedWhenItGoes) {
  fixture::FixtureTree tree;
  tree.file("io.containerd.runtime.v2.task/default/.keep", "")
      .file("io.containerd.runtime.v2.task/k8s.io/" + kId + "/config.json", criSpec("web", "web-1"));
  EngineDirectory directory;
  ContainerdWatcher watcher(ContainerdBundleReader(tree.root()), directory);
  watcher.observe(std::vector<std::string>{kId});
  auto now = directory.current();
  ASSERT_TRUE(now->count(kId));
  EXPECT_EQ(now->at(kId).name, "web");
  EXPECT_EQ(now->at(kId).labels.at("io.kubernetes.pod.name"), "web-1");

  // Known: not read again (a changed file is not seen; CRI never changes it while the task lives).
  tree.file("io.containerd.runtime.v2.task/k8s.io/" + kId + "/config.json", criSpec("changed", "web-1"));
  uint64_t generation = directory.generation();
  watcher.observe(std::vector<std::string>{kId});
  EXPECT_EQ(directory.generation(), generation);
  EXPECT_EQ(directory.current()->at(kId).name, "web");

  watcher.observe(std::vector<std::string>{});
  EXPECT_FALSE(directory.current()->count(kId));
}

TEST(ContainerdWatcher, ABundleThatComesLateIsFoundWithinTheLookups) {
  fixture::FixtureTree tree;
  tree.dir("io.containerd.runtime.v2.task/k8s.io");
  EngineDirectory directory;
  ContainerdWatcher watcher(ContainerdBundleReader(tree.root()), directory);
  watcher.observe(std::vector<std::string>{kId});
  EXPECT_FALSE(directory.current()->count(kId));
  tree.file("io.containerd.runtime.v2.task/k8s.io/" + kId + "/config.json", criSpec("late", "p"));
  watcher.observe(std::vector<std::string>{kId});
  EXPECT_EQ(directory.current()->at(kId).name, "late");
}

TEST(ContainerdWatcher, NotContainerdsIsGivenUpAfterTheLookups) {
  fixture::FixtureTree tree;  // no containerd at all
  EngineDirectory directory;
  ContainerdWatcher watcher(ContainerdBundleReader(tree.root() + "/absent"), directory);
  for (int i = 0; i < ContainerdWatcher::kLookups + 2; ++i) watcher.observe(std::vector<std::string>{kOther});
  EXPECT_TRUE(directory.current()->empty());
  EXPECT_EQ(directory.generation(), 0u);
}

TEST(ContainerdWatcher, ABadBundleIsAnErrorWithItsPath) {
  fixture::FixtureTree tree;
  tree.file("io.containerd.runtime.v2.task/k8s.io/" + kId + "/config.json", "{not json");
  ContainerdBundleReader reader(tree.root());
  auto got = reader.read(kId);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message().find(tree.path("io.containerd.runtime.v2.task/k8s.io/" + kId + "/config.json")),
            std::string::npos)
      << got.error().message();
  // Ids that would make paths of their own are never looked up.
  EXPECT_FALSE(*reader.read("../k8s.io"));
  EXPECT_FALSE(*reader.read(""));
}

}  // namespace
}  // namespace agent::engines
