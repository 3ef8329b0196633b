// Volumes on this kernel (VolumeMounts.h): -v binds a host directory or file where the
// container (and every process exec'd into it) sees it, :ro refuses writes, --tmpfs has its
// size and mode, --read-only leaves only the root read-only. A symlink the image has at a
// target never sends a mount to the host (the CVE-2021-30465 class, as MountTargetTest);
// bad specs change nothing; a restarted agent still knows a container's volumes; with
// --userns auto a volume is seen through the container's id mapping.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "FileAt.h"
#include "HostTestSupport.h"

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using container::VolumeKind;
using container::VolumeSpec;

VolumeSpec bindVolume(const std::string& source, const std::string& target, bool readOnly = false) {
  return VolumeSpec{.kind = VolumeKind::Bind, .source = source, .target = target, .readOnly = readOnly};
}

VolumeSpec tmpfsVolume(const std::string& target, uint64_t size = 0, uint32_t mode = 01777) {
  VolumeSpec volume;
  volume.kind = VolumeKind::Tmpfs;
  volume.target = target;
  volume.sizeBytes = size;
  volume.mode = mode;
  return volume;
}

std::string readFile(const std::string& path) {
  auto text = readWholeFile(path);
  return text ? *text : "(" + text.error().message() + ")";
}

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

struct VolumeAgent : Agent {
  // A busybox image of the test's own, which a test may change (links at targets).
  std::string image;
  VolumeAgent() {
    image = scratch.path() + "/busybox-rootfs";
    fs::copy(AGENT_TEST_IMAGES "/busybox/rootfs", image, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }

  Result<container::ContainerInfo> start(const std::string& name, std::vector<VolumeSpec> volumes,
                                         bool readOnlyRoot = false) {
    container::RunRequest request;
    request.rootfs = image;
    request.name = name;
    request.args = {"sleep", "60"};
    request.volumes = std::move(volumes);
    request.readOnlyRoot = readOnlyRoot;
    return runtime->run(request);
  }

  container::ExecResult exec(const std::string& name, const std::string& script) {
    auto result = runtime->exec(name, {"sh", "-c", script});
    if (!result) throw std::runtime_error(result.error().message());
    return *result;
  }
};

// Why the container never ran, or empty.
std::string whyNotRunning(const container::ContainerInfo& info) {
  return info.status.exit ? "exited: " + info.status.exit->error : "";
}

}  // namespace

TEST(VolumeMounts, ABindVolumeIsWrittenThroughToTheHostAndExecSeesIt) {
  VolumeAgent agent;
  std::string dir = agent.scratch.path() + "/volume", file = agent.scratch.path() + "/volume-file";
  fs::create_directory(dir);
  std::ofstream(dir + "/from-host") << "host\n";
  std::ofstream(file) << "a file\n";
  // A host path given through a symlink is the user's own: followed on the host.
  fs::create_directory_symlink(dir, agent.scratch.path() + "/volume-link");
  auto info = agent.start("binds", {bindVolume(dir, "/data"), bindVolume(file, "/etc/volume-file", true),
                                    bindVolume(agent.scratch.path() + "/volume-link", "/deep/new/link")});
  ASSERT_TRUE(info) << info.error().message();
  ASSERT_EQ(whyNotRunning(*info), "");
  auto result = agent.exec("binds",
                           "cat /data/from-host /etc/volume-file /deep/new/link/from-host && echo written > "
                           "/data/from-container");
  EXPECT_EQ(result.exitCode, 0) << result.stderrText;
  EXPECT_EQ(result.stdoutText, "host\na file\nhost\n");
  EXPECT_EQ(readFile(dir + "/from-container"), "written\n");
  EXPECT_EQ(hostMountsUnder(agent.scratch.path()), std::vector<std::string>{}) << "a mount leaked to the host";
  ASSERT_TRUE(agent->remove("binds", true));
  EXPECT_EQ(readFile(dir + "/from-container"), "written\n") << "removing the container must keep the volume";
}

TEST(VolumeMounts, AReadOnlyBindRefusesWrites) {
  VolumeAgent agent;
  std::string dir = agent.scratch.path() + "/volume";
  fs::create_directory(dir);
  std::ofstream(dir + "/kept") << "kept\n";
  auto info = agent.start("ro", {bindVolume(dir, "/data", true)});
  ASSERT_TRUE(info) << info.error().message();
  auto write = agent.exec("ro", "echo changed > /data/kept");
  EXPECT_NE(write.exitCode, 0);
  EXPECT_NE(write.stderrText.find("Read-only file system"), std::string::npos) << write.stderrText;
  auto create = agent.exec("ro", "touch /data/new");
  EXPECT_NE(create.stderrText.find("Read-only file system"), std::string::npos) << create.stderrText;
  EXPECT_EQ(agent.exec("ro", "cat /data/kept").stdoutText, "kept\n");
  EXPECT_EQ(readFile(dir + "/kept"), "kept\n");
  EXPECT_FALSE(fs::exists(dir + "/new"));
  ASSERT_TRUE(agent->remove("ro", true));
}

TEST(VolumeMounts, ATmpfsHasItsSizeAndMode) {
  VolumeAgent agent;
  auto info = agent.start("tmpfs", {tmpfsVolume("/scratch", 1 << 20, 0700)});
  ASSERT_TRUE(info) << info.error().message();
  auto mounts = agent.exec("tmpfs", "grep ' /scratch ' /proc/mounts; stat -c %a /scratch");
  EXPECT_EQ(mounts.exitCode, 0) << mounts.stderrText;
  EXPECT_EQ(mounts.stdoutText.rfind("tmpfs /scratch tmpfs rw,nosuid,nodev,noexec", 0), 0u) << mounts.stdoutText;
  EXPECT_NE(mounts.stdoutText.find("size=1024k"), std::string::npos) << mounts.stdoutText;
  EXPECT_NE(mounts.stdoutText.find("\n700\n"), std::string::npos) << mounts.stdoutText;
  // The size is the kernel's limit, not a label: 2 MiB do not fit in it.
  auto full = agent.exec("tmpfs", "dd if=/dev/zero of=/scratch/fill bs=1024 count=2048");
  EXPECT_NE(full.exitCode, 0);
  EXPECT_NE(full.stderrText.find("No space left on device"), std::string::npos) << full.stderrText;
  ASSERT_TRUE(agent->remove("tmpfs", true));
}

TEST(VolumeMounts, AReadOnlyRootLeavesTmpfsVolumesDevAndProcWritable) {
  VolumeAgent agent;
  std::string dir = agent.scratch.path() + "/volume";
  fs::create_directory(dir);
  auto info = agent.start("read-only", {tmpfsVolume("/tmp"), bindVolume(dir, "/data")}, true);
  ASSERT_TRUE(info) << info.error().message();
  auto root = agent.exec("read-only", "touch /x");
  EXPECT_NE(root.exitCode, 0);
  EXPECT_NE(root.stderrText.find("Read-only file system"), std::string::npos) << root.stderrText;
  auto etc = agent.exec("read-only", "echo x >> /etc/passwd");
  EXPECT_NE(etc.stderrText.find("Read-only file system"), std::string::npos) << etc.stderrText;
  auto writable =
      agent.exec("read-only",
                 "touch /tmp/x /dev/shm/x /data/x && echo hi > /dev/null && cat /proc/self/stat > /dev/null "
                 "&& echo ok");
  EXPECT_EQ(writable.stdoutText, "ok\n") << writable.stderrText;
  EXPECT_TRUE(fs::exists(dir + "/x"));
  ASSERT_TRUE(agent->remove("read-only", true));
  // Without --read-only the same root is writable.
  ASSERT_TRUE(agent.start("writable", {}));
  EXPECT_EQ(agent.exec("writable", "touch /x && echo ok").stdoutText, "ok\n");
  ASSERT_TRUE(agent->remove("writable", true));
}

// /data -> <host dir> (absolute) and /up -> ../../..<host dir>: the target is resolved inside
// the root, so either the container runs with the volume inside its root, or it is refused
// naming the target; the host directory never gets a mount nor a file.
TEST(VolumeMounts, ASymlinkInTheImageAtATargetNeverLeadsTheMountToTheHost) {
  std::string climb;
  for (int i = 0; i < 32; ++i) climb += "../";
  struct Case {
    const char* link;
    bool relative;
    bool targetInImage;  // the link's target exists inside the image too
    bool file;
  };
  for (const Case& c :
       {Case{"data", false, false, false}, Case{"data", true, false, false}, Case{"data", false, true, false},
        Case{"data", false, false, true}, Case{"data", true, false, true}}) {
    VolumeAgent agent;
    std::string bait = agent.scratch.path() + "/host-dir";
    fs::create_directory(bait);
    std::string source = agent.scratch.path() + "/volume";
    if (c.file) {
      std::ofstream(source) << "volume\n";
    } else {
      fs::create_directory(source);
      std::ofstream(source + "/in-volume") << "volume\n";
    }
    std::string baitTarget = c.file ? bait + "/file" : bait;
    fs::create_symlink(c.relative ? climb + baitTarget.substr(1) : baitTarget, agent.image + "/" + c.link);
    if (c.targetInImage) fs::create_directories(agent.image + bait);
    std::string shown = std::string(c.link) + (c.relative ? " (relative)" : "") + (c.file ? " (file)" : "");
    auto info = agent.start("escape", {bindVolume(source, std::string("/") + c.link)});
    ASSERT_TRUE(info) << info.error().message();
    std::string why = whyNotRunning(*info);
    EXPECT_EQ(hostMountsUnder(bait), std::vector<std::string>{}) << "mounted on the host through /" << shown;
    EXPECT_TRUE(fs::is_empty(bait)) << "wrote into the host directory through /" << shown;
    if (why.empty()) {
      auto seen = agent.exec("escape", c.file ? "cat /data" : "cat /data/in-volume");
      EXPECT_EQ(seen.stdoutText, "volume\n") << shown << ": " << seen.stderrText;
      EXPECT_TRUE(c.targetInImage) << shown << " ran, but its target cannot exist inside the root";
    } else {
      EXPECT_FALSE(c.targetInImage) << shown << ": " << why;
      EXPECT_NE(why.find("/data"), std::string::npos) << why;
      EXPECT_NE(why.find("inside the container's root"), std::string::npos) << why;
    }
    (void)agent->remove("escape", true);
    EXPECT_TRUE(fs::is_empty(bait)) << "removing wrote through /" << shown;
  }
}

TEST(VolumeMounts, ASymlinkInTheImageCannotTakeAVolumeOntoTheRootProcSysOrDev) {
  // Where the container path itself would be refused (/, /proc, /sys, /dev, /dev/pts), a
  // symlink in the image leading there is refused too: the rule holds where the path resolves.
  struct Case {
    const char* link;
    const char* to;
    const char* resolved;
  };
  for (const Case& c : {Case{"hostroot", "/", "\"/\""}, Case{"dotdot", "..", "\"/\""}, Case{"pp", "/proc", "/proc"},
                        Case{"self", "/proc/self", "/proc/"}, Case{"dd", "/dev", "/dev"},
                        Case{"pts", "../dev/pts", "/dev/pts"}, Case{"kernel", "/sys/kernel", "/sys/kernel"}}) {
    VolumeAgent agent;
    std::string source = agent.scratch.path() + "/volume";
    fs::create_directory(source);
    fs::create_symlink(c.to, agent.image + "/" + c.link);
    auto info = agent.start("through-link", {bindVolume(source, std::string("/") + c.link)});
    ASSERT_TRUE(info) << info.error().message();
    std::string why = whyNotRunning(*info);
    EXPECT_NE(why.find("through a symlink in the image"), std::string::npos) << c.link << " -> " << c.to << ": " << why;
    EXPECT_NE(why.find(c.resolved), std::string::npos) << c.link << ": " << why;
    EXPECT_TRUE(fs::is_empty(source)) << c.link;
    (void)agent->remove("through-link", true);
  }
  // A link to an ordinary directory of the image still takes the volume there.
  VolumeAgent agent;
  std::string source = agent.scratch.path() + "/volume";
  fs::create_directory(source);
  std::ofstream(source + "/in-volume") << "volume\n";
  fs::create_directories(agent.image + "/srv/data");
  fs::create_symlink("/srv/data", agent.image + "/data");
  auto info = agent.start("ordinary-link", {bindVolume(source, "/data")});
  ASSERT_TRUE(info) << info.error().message();
  ASSERT_EQ(whyNotRunning(*info), "");
  EXPECT_EQ(agent.exec("ordinary-link", "cat /srv/data/in-volume").stdoutText, "volume\n");
  (void)agent->remove("ordinary-link", true);
}

TEST(VolumeMounts, ADanglingSymlinkTargetIsSaidToBeOne) {
  // A directory volume and a file volume onto a link whose target the image lacks: the
  // message names the link and its target, not an errno.
  VolumeAgent agent;
  std::string dir = agent.scratch.path() + "/volume", file = agent.scratch.path() + "/file";
  fs::create_directory(dir);
  std::ofstream(file) << "file\n";
  fs::create_symlink("/var/lib/missing", agent.image + "/dangling");
  for (const auto& source : {dir, file}) {
    auto info = agent.start("dangling", {bindVolume(source, "/dangling")});
    ASSERT_TRUE(info) << info.error().message();
    std::string why = whyNotRunning(*info);
    EXPECT_NE(why.find("\"/dangling\" is a symlink in the image to \"/var/lib/missing\", which is not in the image"),
              std::string::npos)
        << source << ": " << why;
    EXPECT_EQ(why.find("No such file"), std::string::npos) << why;
    EXPECT_FALSE(fs::exists(agent.image + "/var/lib/missing"));
    (void)agent->remove("dangling", true);
  }
}

TEST(VolumeMounts, BadVolumesAreRefusedBeforeAnythingIsMade) {
  VolumeAgent agent;
  std::string dir = agent.scratch.path() + "/volume";
  fs::create_directory(dir);
  struct Case {
    std::vector<VolumeSpec> volumes;
    const char* why;
  };
  for (const Case& c : std::initializer_list<Case>{
           {{bindVolume(dir + "/missing", "/data")}, "the host path \""},
           {{bindVolume("relative", "/data")}, "is not absolute"},
           {{bindVolume(dir, "/")}, "the container path is the root directory"},
           {{bindVolume(dir, "/proc/sys")}, "is under /proc"},
           {{bindVolume(dir, "/data"), tmpfsVolume("/data")}, "two volumes are mounted on \"/data\""},
       }) {
    auto refused = agent.start("refused", c.volumes);
    ASSERT_FALSE(refused) << c.why;
    EXPECT_NE(refused.error().message().find(c.why), std::string::npos) << refused.error().message();
  }
  auto missing = agent.start("refused", {bindVolume(dir + "/missing", "/data")});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().errnum, ENOENT);
  EXPECT_NE(missing.error().message().find("create it there first"), std::string::npos) << missing.error().message();
  EXPECT_TRUE(agent->list()->empty()) << "a refused run left a container";
  EXPECT_FALSE(fs::exists(agent.config.dataDir + "/containers") && !fs::is_empty(agent.config.dataDir + "/containers"))
      << "a refused run left a layer directory";
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(VolumeMounts, ARestartedAgentStillKnowsAContainersVolumes) {
  VolumeAgent agent;
  std::string dir = agent.scratch.path() + "/volume";
  fs::create_directory(dir);
  std::vector<VolumeSpec> volumes{bindVolume(dir, "/data", true), tmpfsVolume("/tmp", 1 << 20)};
  auto info = agent.start("kept", volumes, true);
  ASSERT_TRUE(info) << info.error().message();
  agent.restart();
  auto again = agent->inspect("kept");
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->config.spec.volumes, volumes);
  EXPECT_TRUE(again->config.spec.readOnlyRoot);
  EXPECT_EQ(agent.exec("kept", "grep -c ' /data \\| /tmp ' /proc/mounts").stdoutText, "2\n");
  ASSERT_TRUE(agent->remove("kept", true));
}

// --userns auto with `idmap`: the container's root is an unprivileged host uid, yet the volume
// shows the host's owners as the container sees its image (root as root), and what it writes
// there belongs on the host to the same owner the container sees (its root: the host's root).
TEST(VolumeMounts, WithItsOwnUserNamespaceAnIdmapVolumeIsSeenThroughItsIdMapping) {
  constexpr uint32_t kUidBase = 2000000000, kGidBase = 2100000000;
  VolumeAgent agent;
  fs::permissions(agent.scratch.path(), fs::perms(0755));  // its root walks down to its layers
  std::ofstream(agent.scratch.path() + "/subuid") << "agent-test:" << kUidBase << ":65536\n";
  std::ofstream(agent.scratch.path() + "/subgid") << "agent-test:" << kGidBase << ":65536\n";
  agent.config.subordinateIds = {"agent-test", agent.scratch.path() + "/subuid", agent.scratch.path() + "/subgid"};
  agent.restart();
  std::string dir = agent.scratch.path() + "/volume";
  fs::create_directory(dir);
  fs::permissions(dir, fs::perms(0755));
  std::ofstream(dir + "/from-host") << "host\n";
  ASSERT_EQ(::chmod((dir + "/from-host").c_str(), 0600), 0);
  container::RunRequest request;
  request.rootfs = agent.image;
  request.name = "mapped";
  request.args = {"sleep", "60"};
  request.userns = container::UsernsMode::Auto;
  request.volumes = {bindVolume(dir, "/data"), bindVolume(dir, "/data-ro", true)};
  for (auto& volume : request.volumes) volume.idmap = true;
  auto info = agent->run(request);
  ASSERT_TRUE(info) << info.error().message();
  ASSERT_EQ(whyNotRunning(*info), "");
  auto seen = agent.exec("mapped", "stat -c '%u %g' /data/from-host; cat /data/from-host; echo mine > /data/by-root");
  EXPECT_EQ(seen.exitCode, 0) << seen.stderrText;
  EXPECT_EQ(seen.stdoutText, "0 0\nhost\n");
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/by-root").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u) << "written by the container's root, owned on the host by its host uid";
  auto readOnly = agent.exec("mapped", "touch /data-ro/x");
  EXPECT_NE(readOnly.stderrText.find("Read-only file system"), std::string::npos) << readOnly.stderrText;
  EXPECT_EQ(hostMountsUnder(agent.scratch.path()), std::vector<std::string>{}) << "a mount leaked to the host";
  ASSERT_TRUE(agent->remove("mapped", true));
}
