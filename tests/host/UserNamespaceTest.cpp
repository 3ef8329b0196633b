// --userns auto on this kernel: the container's root is a range of unprivileged host ids
// (IdRangeAllotment.h), the image shows its owners through an idmapped layer (IdmappedOverlay.h),
// and exec joins the container's user namespace first. --userns host stays as it was.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "FileAt.h"
#include "HostTestSupport.h"
#include "ProcFs.h"

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr uint32_t kUidBase = 2000000000, kGidBase = 2100000000, kSlots = 4;

// An agent whose user `agent-test` owns kSlots ranges, with a copy of the busybox image in its
// scratch directory: the image the other tests share may live where no idmapped mount can be
// made (the VM guest reaches this host's build tree over 9p), and a test may add files to it.
struct UsernsAgent : Agent {
  std::string image;

  UsernsAgent() {
    // The container's root (a host uid of its range) walks down to its layer directory.
    fs::permissions(scratch.path(), fs::perms(0755));
    std::ofstream(scratch.path() + "/subuid")
        << "someone:100000:65536\nagent-test:" << kUidBase << ":" << kSlots * 65536 << "\n";
    std::ofstream(scratch.path() + "/subgid") << "agent-test:" << kGidBase << ":" << kSlots * 65536 << "\n";
    config.subordinateIds = {"agent-test", scratch.path() + "/subuid", scratch.path() + "/subgid"};
    image = scratch.path() + "/busybox-rootfs";
    fs::copy(AGENT_TEST_IMAGES "/busybox/rootfs", image, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    restart();
  }

  container::ContainerInfo runIn(container::UsernsMode mode, std::vector<std::string> args, std::string name,
                                 container::NetworkMode network = container::NetworkMode::None) {
    container::RunRequest request;
    request.rootfs = image;
    request.name = std::move(name);
    request.args = std::move(args);
    request.userns = mode;
    request.network = network;
    auto info = runtime->run(request);
    if (!info) throw std::runtime_error(info.error().message());
    // A command that never ran leaves a stopped container saying why.
    if (info->status.exit && !info->status.exit->error.empty()) throw std::runtime_error(info->status.exit->error);
    return *info;
  }

  container::ExecResult exec(const std::string& name, std::vector<std::string> args) {
    auto result = runtime->exec(name, args);
    if (!result) throw std::runtime_error(result.error().message());
    return *result;
  }
};

// "0 2000000000 65536" from the kernel's padded columns.
std::string words(const std::string& text) {
  std::istringstream in(text);
  std::string word, out;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::string readFile(const std::string& path) {
  auto text = readWholeFile(path);
  return text ? *text : "(" + text.error().message() + ")";
}

// Binds the host's `hostFile` on `target` inside the container of `pid1`, from the host's
// root: a host file made visible to the container as it is, not through any idmapping.
void bindHostFileInto(pid_t pid1, const std::string& hostFile, const std::string& target) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int tree = ::open_tree(AT_FDCWD, hostFile.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    int mountNs = ::open(("/proc/" + std::to_string(pid1) + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC);
    if (tree < 0 || mountNs < 0 || ::setns(mountNs, CLONE_NEWNS) != 0) ::_exit(1);
    ::_exit(::move_mount(tree, "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) == 0 ? 0 : 2);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

}  // namespace

TEST(UserNamespace, Pid1RunsAsAHostUidOfItsRangeAndSeesTheImageOwnedByRoot) {
  UsernsAgent agent;
  auto info = agent.runIn(container::UsernsMode::Auto, {"sleep", "60"}, "ranged");
  ASSERT_TRUE(info.status.pid);
  ASSERT_TRUE(info.config.spec.userns);
  const auto& range = *info.config.spec.userns;
  EXPECT_EQ(range, (userns::IdMapping{kUidBase, kGidBase, 65536}));
  pid_t pid1 = info.status.pid->pid;
  auto status = proc::ProcFs().readStatus(pid1);
  ASSERT_TRUE(status && status->uid && status->gid);
  EXPECT_EQ(*status->uid, range.hostUid);  // uid 0 inside
  EXPECT_EQ(*status->gid, range.hostGid);
  EXPECT_EQ(words(readFile("/proc/" + std::to_string(pid1) + "/uid_map")), "0 2000000000 65536");
  EXPECT_EQ(words(readFile("/proc/" + std::to_string(pid1) + "/gid_map")), "0 2100000000 65536");

  // Through the idmapped layer, files owned by 0 on disk are the container's root's.
  auto owners = agent.exec("ranged", {"sh", "-c", "stat -c %u:%g /bin/busybox / /etc; id -u; id -g"});
  EXPECT_EQ(owners.stdoutText, "0:0\n0:0\n0:0\n0\n0\n") << owners.stderrText;
  // What the container's root writes lands on disk with its host ids; the image is untouched.
  auto made =
      agent.exec("ranged", {"sh", "-c", "echo hi > /made-inside && mkdir /etc/new && chown 1000:1000 /etc/new"});
  EXPECT_EQ(made.exitCode, 0) << made.stderrText;
  struct stat st {};
  ASSERT_EQ(::stat((info.config.spec.layerDir + "/upper/made-inside").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, range.hostUid);
  EXPECT_EQ(st.st_gid, range.hostGid);
  ASSERT_EQ(::stat((info.config.spec.layerDir + "/upper/etc/new").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, range.hostUid + 1000);
  EXPECT_FALSE(fs::exists(agent.image + "/made-inside"));
  ASSERT_EQ(::stat((agent.image + "/bin/busybox").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);  // not chowned
  ASSERT_TRUE(agent->remove("ranged", true));
}

TEST(UserNamespace, ExecJoinsTheContainersUserNamespace) {
  UsernsAgent agent;
  auto info = agent.runIn(container::UsernsMode::Auto, {"sleep", "60"}, "joined");
  ASSERT_TRUE(info.status.pid);
  std::string pid1 = std::to_string(info.status.pid->pid);
  ASSERT_EQ(words(readFile("/proc/" + pid1 + "/uid_map")), "0 2000000000 65536");
  auto result = agent.exec("joined", {"sh", "-c",
                                      "cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user; "
                                      "grep ^Uid: /proc/self/status"});
  ASSERT_EQ(result.exitCode, 0) << result.stderrText;
  char link[128] = {};
  ASSERT_GT(::readlink(("/proc/" + pid1 + "/ns/user").c_str(), link, sizeof link - 1), 0);
  EXPECT_EQ(words(result.stdoutText), words(readFile("/proc/" + pid1 + "/uid_map") +
                                            readFile("/proc/" + pid1 + "/gid_map") + link + "\nUid: 0 0 0 0"));
  ASSERT_TRUE(agent->remove("joined", true));
}

TEST(UserNamespace, RootInTheContainerCannotReadAHostFileOnlyTheHostsRootMay) {
  UsernsAgent agent;
  std::string secret = agent.scratch.path() + "/host-secret";
  std::ofstream(secret) << "host secret\n";
  ASSERT_EQ(::chmod(secret.c_str(), 0600), 0);
  for (auto mode : {container::UsernsMode::Auto, container::UsernsMode::Host}) {
    std::string name = std::string("reader-") + std::string(container::usernsModeName(mode));
    auto info = agent.runIn(mode, {"sleep", "60"}, name);
    ASSERT_TRUE(info.status.pid);
    ASSERT_EQ(agent.exec(name, {"touch", "/secret"}).exitCode, 0);
    bindHostFileInto(info.status.pid->pid, secret, "/secret");
    auto read = agent.exec(name, {"sh", "-c", "stat -c %u /secret; cat /secret"});
    if (mode == container::UsernsMode::Auto) {
      // The host's uid 0 has no name in the container: it shows as the overflow uid, and
      // CAP_DAC_OVERRIDE of the container's root does not reach an unmapped owner.
      EXPECT_EQ(read.stdoutText, "65534\n");
      EXPECT_NE(read.exitCode, 0);
      EXPECT_NE(read.stderrText.find("Permission denied"), std::string::npos) << read.stderrText;
    } else {
      EXPECT_EQ(read.stdoutText, "0\nhost secret\n") << "--userns host is the host's root, as before";
    }
    ASSERT_TRUE(agent->remove(name, true));
  }
}

TEST(UserNamespace, ProcSysAndDevWorkAlsoOnTheHostsNetwork) {
  UsernsAgent agent;
  for (auto network : {container::NetworkMode::None, container::NetworkMode::Host}) {
    std::string name = network == container::NetworkMode::Host ? "on-host-net" : "on-own-net";
    agent.runIn(container::UsernsMode::Auto, {"sleep", "60"}, name, network);
    auto result = agent.exec(name, {"sh", "-c",
                                    "echo x > /dev/null && head -c 4 /dev/urandom | wc -c && test -c /dev/zero && "
                                    "ls /sys/class/net | grep -qx lo && grep -q sysfs /proc/mounts && "
                                    "cat /proc/1/cmdline | tr '\\0' ' ' && ls /dev/pts/ptmx"});
    EXPECT_EQ(result.exitCode, 0) << name << ": " << result.stderrText;
    EXPECT_EQ(result.stdoutText, "4\nsleep 60 /dev/pts/ptmx\n") << name << ": " << result.stderrText;
    ASSERT_TRUE(agent->remove(name, true));
  }
}

TEST(UserNamespace, ContainersGetDisjointRangesThatOutliveARestartAndGoBackOnRm) {
  UsernsAgent agent;
  auto a = agent.runIn(container::UsernsMode::Auto, {"sleep", "60"}, "a");
  auto b = agent.runIn(container::UsernsMode::Auto, {"sleep", "60"}, "b");
  ASSERT_TRUE(a.config.spec.userns && b.config.spec.userns);
  EXPECT_EQ(a.config.spec.userns->hostUid, kUidBase);
  EXPECT_EQ(b.config.spec.userns->hostUid, kUidBase + 65536);
  EXPECT_EQ(b.config.spec.userns->hostGid, kGidBase + 65536);
  auto uidOf = [](const container::ContainerInfo& info) {
    return *proc::ProcFs().readStatus(info.status.pid->pid)->uid;
  };
  EXPECT_EQ(uidOf(a), kUidBase);
  EXPECT_EQ(uidOf(b), kUidBase + 65536);

  agent.restart();  // a new agentd over the same state directory
  auto c = agent.runIn(container::UsernsMode::Auto, {"true"}, "c");
  ASSERT_TRUE(c.config.spec.userns);
  EXPECT_EQ(c.config.spec.userns->hostUid, kUidBase + 2 * 65536);
  auto readopted = agent->inspect("b");
  ASSERT_TRUE(readopted);
  EXPECT_EQ(readopted->config.spec.userns, b.config.spec.userns);

  // Stopped, c still holds its range; removed, b's is the first free one again.
  ASSERT_TRUE(agent->waitForExit("c", 5s));
  ASSERT_TRUE(agent->remove("b", true));
  auto d = agent.runIn(container::UsernsMode::Auto, {"sleep", "60"}, "d");
  EXPECT_EQ(d.config.spec.userns, b.config.spec.userns);
  auto e = agent.runIn(container::UsernsMode::Auto, {"sleep", "60"}, "e");
  EXPECT_EQ(e.config.spec.userns->hostUid, kUidBase + 3 * 65536);
  // All kSlots held: the next is refused, saying what to do, and nothing of it is left.
  container::RunRequest more;
  more.rootfs = agent.image;
  more.args = {"true"};
  more.userns = container::UsernsMode::Auto;
  auto refused = agent->run(more);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("all 4 id ranges"), std::string::npos) << refused.error().message();
  EXPECT_EQ(agent->list()->size(), 4u);
  for (const char* name : {"a", "c", "d", "e"}) ASSERT_TRUE(agent->remove(name, true));
}

TEST(UserNamespace, HostModeAndTheDefaultKeepTheHostsUsers) {
  UsernsAgent agent;
  container::RunRequest request;
  request.rootfs = agent.image;
  request.args = {"sleep", "60"};
  request.name = "default";
  auto info = agent->run(request);  // no userns asked: the agent's default, host
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_FALSE(info->config.spec.userns);
  EXPECT_EQ(*proc::ProcFs().readStatus(info->status.pid->pid)->uid, 0u);
  auto map = agent.exec("default", {"cat", "/proc/self/uid_map"});
  EXPECT_EQ(words(map.stdoutText), "0 0 4294967295");
  ASSERT_TRUE(agent->remove("default", true));

  agent.config.defaultUserns = container::UsernsMode::Auto;
  agent.restart();
  request.name = "default-auto";
  auto ranged = agent->run(request);
  ASSERT_TRUE(ranged) << ranged.error().message();
  ASSERT_TRUE(ranged->config.spec.userns);
  EXPECT_EQ(*proc::ProcFs().readStatus(ranged->status.pid->pid)->uid, kUidBase);
  ASSERT_TRUE(agent->remove("default-auto", true));
}

TEST(UserNamespace, ADeviceWithAUserNamespaceIsRefusedBeforeAnythingIsMade) {
  UsernsAgent agent;
  container::RunRequest request;
  request.rootfs = agent.image;
  request.args = {"true"};
  request.name = "with-device";
  request.userns = container::UsernsMode::Auto;
  request.devices = {{"/dev/null", "/dev/mynull", "rw"}};
  auto refused = agent->run(request);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("--device cannot be combined with --userns auto"), std::string::npos)
      << refused.error().message();
  auto listed = agent->list();
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_TRUE(listed->empty());
}
