// agentctl run -v, --tmpfs and --read-only as a user types them: a write through a volume
// shows on the host, :ro and the read-only root refuse writes (EROFS) while a --tmpfs /tmp
// takes them, inspect shows the mounts (also after agentd restarted), exec sees them, an
// image's symlink at a target never leads a mount to the host, and a bad spec is refused in
// one line with nothing created; with --userns auto a volume shows the host's owners.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include "E2ESupport.h"

using namespace e2e;

namespace {

std::string read(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

size_t lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST(VolumesE2E, AVolumeIsWrittenThroughAndReadOnlyMountsRefuseWrites) {
  Agent agent;
  fs::path dir = agent.root() / "volume";
  fs::create_directory(dir);
  std::ofstream(dir / "from-host") << "host\n";
  std::string v = "-v " + dir.string() + ":/data";
  Ran written = agent.ctl("run " + v + " busybox -- sh -c 'cat /data/from-host; echo hi > /data/from-container'");
  EXPECT_EQ(written.exitCode, 0) << written.out;
  EXPECT_EQ(written.out, "host\n");
  EXPECT_EQ(read(dir / "from-container"), "hi\n");

  Ran readOnly = agent.ctl("run " + v + ":ro busybox -- touch /data/x");
  EXPECT_EQ(readOnly.exitCode, 1) << readOnly.out;
  EXPECT_NE(readOnly.out.find("Read-only file system"), std::string::npos) << readOnly.out;
  EXPECT_FALSE(fs::exists(dir / "x"));

  Ran sized = agent.ctl("run --tmpfs /scratch:size=2m,mode=700 busybox -- sh -c \"grep ' /scratch ' /proc/mounts\"");
  EXPECT_EQ(sized.exitCode, 0) << sized.out;
  EXPECT_EQ(sized.out.rfind("tmpfs /scratch tmpfs rw,nosuid,nodev,noexec", 0), 0u) << sized.out;
  EXPECT_NE(sized.out.find("size=2048k,mode=700"), std::string::npos) << sized.out;

  Ran rootTouch = agent.ctl("run --read-only --tmpfs /tmp busybox -- touch /x");
  EXPECT_EQ(rootTouch.exitCode, 1) << rootTouch.out;
  EXPECT_NE(rootTouch.out.find("touch: /x: Read-only file system"), std::string::npos) << rootTouch.out;
  Ran tmpTouch = agent.ctl("run --read-only --tmpfs /tmp " + v +
                           " busybox -- sh -c 'touch /tmp/x /dev/shm/x /data/ro-root && echo ok'");
  EXPECT_EQ(tmpTouch.exitCode, 0) << tmpTouch.out;
  EXPECT_EQ(tmpTouch.out, "ok\n");
  EXPECT_TRUE(fs::exists(dir / "ro-root"));
}

TEST(VolumesE2E, InspectShowsTheMountsAlsoAfterARestartAndExecSeesThem) {
  Agent agent;
  fs::path dir = agent.root() / "volume";
  fs::create_directory(dir);
  Ran started = agent.ctl("run -d --name kept --read-only -v " + dir.string() +
                          ":/data:ro --tmpfs /tmp:size=1m busybox -- sleep 60");
  ASSERT_EQ(started.exitCode, 0) << started.out;
  auto mountsOf = [&] {
    Ran inspected = agent.ctl("--output json inspect kept");
    auto j = nlohmann::json::parse(inspected.out, nullptr, false);
    return j.is_discarded() ? nlohmann::json() : j;
  };
  auto check = [&](const nlohmann::json& j) {
    ASSERT_TRUE(j.contains("mounts")) << j.dump();
    ASSERT_EQ(j["mounts"].size(), 2u) << j.dump();
    EXPECT_EQ(j["mounts"][0]["type"], "bind");
    EXPECT_EQ(j["mounts"][0]["source"], dir.string());
    EXPECT_EQ(j["mounts"][0]["destination"], "/data");
    EXPECT_EQ(j["mounts"][0]["rw"], false);
    EXPECT_EQ(j["mounts"][1]["type"], "tmpfs");
    EXPECT_EQ(j["mounts"][1]["destination"], "/tmp");
    EXPECT_EQ(j["mounts"][1]["size_bytes"], 1 << 20);
    EXPECT_EQ(j["read_only_root"], true);
  };
  check(mountsOf());
  agent.stop(SIGTERM);
  agent.start();
  check(mountsOf());
  Ran seen = agent.ctl("exec kept -- sh -c \"grep -c ' /data \\| /tmp ' /proc/mounts; touch /x\"");
  EXPECT_EQ(seen.out.rfind("2\n", 0), 0u) << seen.out;
  EXPECT_NE(seen.out.find("Read-only file system"), std::string::npos) << seen.out;
}

// /data in the image is a symlink to a host directory: the mount stays inside the root (here:
// refused, as the link's target does not exist there), and the host directory stays empty.
TEST(VolumesE2E, AnImagesSymlinkAtATargetNeverLeadsTheMountToTheHost) {
  Agent agent;
  fs::path rootfs = agent.root() / "rootfs", bait = agent.root() / "host-dir", dir = agent.root() / "volume";
  fs::copy(AGENT_TEST_IMAGES "/busybox/rootfs", rootfs, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::create_directory(bait);
  fs::create_directory(dir);
  std::ofstream(dir / "in-volume") << "volume\n";
  fs::create_symlink(bait, rootfs / "data");
  Ran ran = agent.ctl("run --rootfs " + rootfs.string() + " -v " + dir.string() + ":/data -- cat /data/in-volume");
  EXPECT_NE(ran.exitCode, 0) << ran.out;
  EXPECT_NE(ran.out.find("inside the container's root"), std::string::npos) << ran.out;
  EXPECT_TRUE(fs::is_empty(bait)) << "the mount or a file reached the host's directory";
  Ran mounts = shell("grep -c ' " + bait.string() + " ' /proc/self/mountinfo");
  EXPECT_EQ(mounts.out, "0\n");
  // With the link's target inside the image, the volume is mounted there, inside the root.
  fs::create_directories(rootfs / bait.relative_path());
  Ran inside = agent.ctl("run --rootfs " + rootfs.string() + " -v " + dir.string() + ":/data -- cat /data/in-volume");
  EXPECT_EQ(inside.exitCode, 0) << inside.out;
  EXPECT_EQ(inside.out, "volume\n");
  EXPECT_TRUE(fs::is_empty(bait));
}

TEST(VolumesE2E, BadSpecsAreRefusedInOneLineWithNothingCreated) {
  Agent agent;
  fs::path dir = agent.root() / "volume";
  fs::create_directory(dir);
  std::string before = agent.ctl("ps -a").out;
  struct Case {
    std::string options;
    int exitCode;
    const char* says;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"-v data:/data", 2, "the host path \"data\" is not absolute"},
           {"-v " + dir.string() + "/missing:/data", 1, "/missing\" of volume"},
           {"-v " + dir.string() + ":/", 2, "the container path is the root directory"},
           {"-v " + dir.string() + ":data", 2, "the container path \"data\" is not absolute"},
           {"-v " + dir.string() + ":/proc/sys", 2, "is under /proc"},
           {"-v " + dir.string() + ":/data:rx", 2, "the option \"rx\" is not ro, rw or idmap"},
           {"-v " + dir.string() + ":/data --tmpfs /data", 2, "two volumes are mounted on \"/data\""},
           {"--tmpfs /tmp:size=lots", 2, "the size \"lots\" is not a positive number"},
           {"--tmpfs /sys/x", 2, "is under /sys"},
       }) {
    Ran refused = agent.ctl("run " + c.options + " busybox -- true");
    EXPECT_EQ(refused.exitCode, c.exitCode) << c.options << ": " << refused.out;
    EXPECT_NE(refused.out.find(c.says), std::string::npos) << c.options << ": " << refused.out;
    EXPECT_EQ(lines(refused.out), 1u) << c.options << ": " << refused.out;
  }
  EXPECT_EQ(agent.ctl("ps -a").out, before) << "a refused run left a container";
  EXPECT_TRUE(fs::is_empty(dir));
}

// --userns auto with :idmap: the container's root is an unprivileged host uid, yet the volume
// shows the host's root-owned files as root's, and what the container's root writes is the
// host root's.
TEST(VolumesE2E, WithUsernsAutoAnIdmapVolumeShowsTheHostsOwnersThroughTheMapping) {
  Agent agent;
  fs::path dir = agent.root() / "volume";
  fs::create_directory(dir);
  std::ofstream(dir / "secret") << "host only\n";
  fs::permissions(dir / "secret", fs::perms::owner_read | fs::perms::owner_write);
  Ran ran = agent.ctl("run --userns auto -v " + dir.string() +
                      ":/data:idmap busybox -- sh -c 'stat -c %u:%g /data/secret; cat /data/secret; echo mine > "
                      "/data/written; cat /proc/self/uid_map'");
  EXPECT_EQ(ran.exitCode, 0) << ran.out << agent.log();
  EXPECT_EQ(ran.out.rfind("0:0\nhost only\n", 0), 0u) << ran.out;
  EXPECT_EQ(ran.out.find("4294967295"), std::string::npos) << "not in a user namespace: " << ran.out;
  struct stat st {};
  ASSERT_EQ(::stat((dir / "written").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(read(dir / "written"), "mine\n");
}

// --userns auto without :idmap (Docker's userns-remap): the container's root is its host uid
// on the volume too: the host root's private file is out of reach, and what it writes,
// setuid bit and all, belongs to its unprivileged host uid, never to the host's root.
TEST(VolumesE2E, WithUsernsAutoAPlainVolumeKeepsTheContainersIdsUnprivileged) {
  Agent agent;
  fs::path dir = agent.root() / "volume";
  fs::create_directory(dir);
  fs::permissions(dir, fs::perms::all);  // 0777: the container's host uid may write here
  std::ofstream(dir / "secret") << "host only\n";
  fs::permissions(dir / "secret", fs::perms::owner_read | fs::perms::owner_write);
  Ran ran = agent.ctl("run --userns auto -v " + dir.string() +
                      ":/data busybox -- sh -c 'stat -c %u /data/secret; cat /data/secret 2>/dev/null || echo "
                      "denied; cp /bin/busybox /data/bb && chmod 4755 /data/bb; echo copied'");
  EXPECT_EQ(ran.exitCode, 0) << ran.out << agent.log();
  EXPECT_EQ(ran.out, "65534\ndenied\ncopied\n");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "bb").c_str(), &st), 0);
  EXPECT_NE(st.st_uid, 0u) << "the container's root wrote as the host's root";
  EXPECT_GE(st.st_uid, 65536u) << "not in a subordinate range";
}

// A volume's source that became a mount point after agentd started (a disk plugged in, a
// tmpfs): the container sees what is mounted there now, even though agentd keeps standby
// containers whose mount namespaces were copied before that mount existed.
TEST(VolumesE2E, ASourceMountedAfterAgentdStartedIsWhatTheContainerSees) {
  Agent agent;
  fs::path dir = agent.root() / "mounted-later";
  fs::create_directory(dir);
  std::this_thread::sleep_for(500ms);  // the standby containers are made
  ASSERT_EQ(shell("mount -t tmpfs -o size=1m volume-test " + dir.string()).exitCode, 0);
  std::ofstream(dir / "on-the-mount") << "mounted\n";
  Ran ran = agent.ctl("run -v " + dir.string() + ":/data busybox -- cat /data/on-the-mount");
  shell("umount " + dir.string());
  EXPECT_EQ(ran.exitCode, 0) << ran.out;
  EXPECT_EQ(ran.out, "mounted\n");
}
