// The CVE-2021-30465 class on this kernel: an image with a symlink at a mount target (/proc,
// /dev, /sys) pointing out of its root, absolute or by `..`. The agent must never mount on
// the host through it: the container either runs with that filesystem inside its own root,
// or is refused with an error that names the path. A test-made host directory is the bait.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "HostTestSupport.h"
#include "Launcher.h"

using namespace agent;
using namespace agent::hosttest;
namespace fs = std::filesystem;

namespace {

// Mount points of the test's own (the host's) mount namespace at or below `dir`.
std::vector<std::string> hostMountsUnder(const std::string& dir) {
  std::vector<std::string> found;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mountPoint;
    fields >> id >> parent >> devno >> root >> mountPoint;
    if (mountPoint == dir || mountPoint.rfind(dir + "/", 0) == 0) found.push_back(line);
  }
  return found;
}

struct Outcome {
  bool started = false;
  std::string error;   // why it was refused
  std::string output;  // what it printed when it ran
};

// Runs a check of /proc, /dev and /sys in a container of `image`.
Outcome runIn(const std::string& image) {
  TestParent parent;
  cgroup::Cgroup group = parent.child("ctr");
  ScratchDir layer;
  container::ContainerSpec spec;
  spec.id = "test";
  spec.hostname = "mount-targets";
  spec.imageRootfs = image;
  spec.layerDir = layer.path();
  spec.args = {"sh", "-c",
               "test -r /proc/self/status && echo proc; test -c /dev/null && echo dev; "
               "test -d /sys/kernel && echo sys; true"};
  int out[2];
  EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
  auto pid = container::launchContainer(spec, group, container::LaunchIo{-1, out[1], out[1]});
  ::close(out[1]);
  Outcome outcome;
  char chunk[4096];
  ssize_t n;
  while ((n = ::read(out[0], chunk, sizeof chunk)) > 0) outcome.output.append(chunk, static_cast<size_t>(n));
  ::close(out[0]);
  if (!pid) {
    outcome.error = pid.error().error.message();
    return outcome;
  }
  outcome.started = true;
  ::waitpid(*pid, nullptr, 0);
  return outcome;
}

// The busybox image with `link` (a top-level name) made a symlink to `target`.
std::string imageWithLink(const std::string& dir, const std::string& link, const std::string& target) {
  std::string image = dir + "/rootfs";
  fs::copy(AGENT_TEST_IMAGES "/busybox/rootfs", image, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::remove_all(image + "/" + link);
  fs::create_symlink(target, image + "/" + link);
  return image;
}

void expectNothingReachedTheHost(const std::string& bait, const Outcome& outcome, const std::string& link) {
  EXPECT_EQ(hostMountsUnder(bait), std::vector<std::string>{}) << "mounted on the host through /" << link;
  EXPECT_TRUE(fs::is_empty(bait)) << "wrote into the host directory through /" << link;
  if (!outcome.started) std::cout << "refused: " << outcome.error << "\n";
  if (outcome.started) {
    EXPECT_EQ(outcome.output, "proc\ndev\nsys\n") << "/" << link << " ran without its filesystem inside its root";
  } else {
    EXPECT_NE(outcome.error.find("/" + link), std::string::npos) << outcome.error;
    EXPECT_NE(outcome.error.find("inside the container's root"), std::string::npos) << outcome.error;
  }
}

}  // namespace

// `/proc -> /<host dir>` and `/sys -> /<host dir>`: absolute links the image cannot satisfy
// inside itself (the path does not exist there) are refused.
TEST(MountTargets, AnAbsoluteSymlinkOutOfTheImageIsRefusedOrStaysInside) {
  for (const char* link : {"proc", "sys", "dev"}) {
    ScratchDir scratch;
    std::string bait = scratch.path() + "/host-dir";
    fs::create_directory(bait);
    Outcome outcome = runIn(imageWithLink(scratch.path(), link, bait));
    expectNothingReachedTheHost(bait, outcome, link);
  }
}

// `dev -> ../../../../<host dir>`: enough `..` to climb out of any layer directory.
TEST(MountTargets, ARelativeSymlinkClimbingOutIsRefusedOrStaysInside) {
  for (const char* link : {"proc", "sys", "dev"}) {
    ScratchDir scratch;
    std::string bait = scratch.path() + "/host-dir";
    fs::create_directory(bait);
    std::string climb;
    for (int i = 0; i < 32; ++i) climb += "../";
    Outcome outcome = runIn(imageWithLink(scratch.path(), link, climb + bait.substr(1)));
    expectNothingReachedTheHost(bait, outcome, link);
  }
}

// When the link's target exists inside the image, the filesystem is mounted there, inside
// the root, and the container sees it through its link, as runc's in-root resolution does.
TEST(MountTargets, ASymlinkToADirectoryOfTheImageIsMountedInsideIt) {
  for (const char* link : {"proc", "sys", "dev"}) {
    ScratchDir scratch;
    std::string bait = scratch.path() + "/host-dir";
    fs::create_directory(bait);
    std::string image = imageWithLink(scratch.path(), link, bait);
    fs::create_directories(image + bait);  // the same absolute path, inside the image
    Outcome outcome = runIn(image);
    ASSERT_TRUE(outcome.started) << outcome.error;
    expectNothingReachedTheHost(bait, outcome, link);
  }
}
