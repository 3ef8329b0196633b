// A container's devices: Docker's allow-list in its devices cgroup (v1) or as a BPF device
// program on its cgroup2 group (v2, the vm tier), in place before its command runs; --device.
// Build machines may refuse device opens from outside us, so on v1 the read-back of
// devices.list is the check that cannot pass vacuously; the program's own test opens a node
// outside the group first.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "BpfDevicePrograms.h"
#include "ContainerRuntime.h"
#include "DeviceNodes.h"
#include "DeviceProgram.h"
#include "DeviceRules.h"
#include "FileAt.h"
#include "HostTestSupport.h"

using namespace agent;
using namespace agent::hosttest;
using namespace std::chrono_literals;

namespace {

// What `request`'s command printed (stdout, then stderr) by the time it exited. The checks
// run as the container's PID 1: in the vm tier an exec'd process joins the container's mount
// namespace but starts at the guest's initramfs root (the guest chroots rather than pivots
// into its tree), so it would not see the container's /dev.
std::string outputOf(Agent& agent, container::RunRequest request) {
  request.image = "busybox";
  auto info = agent->run(request);
  if (!info) return "run failed: " + info.error().message();
  if (!agent->waitForExit(request.name, 60s)) return "no exit";
  std::string frames;
  for (uint64_t position = 0;;) {
    auto read = agent->readLog(request.name, logQuery(position, 0ms));
    if (!read) return "read failed: " + read.error().message();
    frames += read->chunk.frames;
    position = read->chunk.position;
    if (read->chunk.caughtUp) break;
  }
  auto streams = streamsApart(frames);
  return streams.out + streams.err;
}

container::RunRequest shell(const std::string& name, const std::string& script) {
  container::RunRequest request;
  request.name = name;
  request.args = {"sh", "-c", script};
  return request;
}

}  // namespace

TEST(Devices, AContainersDevicesListIsDockersAllowList) {
  Agent agent;
  auto info = agent.run({"sleep", "30"}, "devices-list");
  const auto* devices = HostEnvironment::hierarchy().mountFor(cgroup::Controller::Devices);
  if (!devices || devices->version != cgroup::CgroupVersion::V1) GTEST_SKIP() << "no cgroup v1 devices hierarchy";
  // The host has one: the container must be in it.
  auto group = cgroup::Cgroup::open(HostEnvironment::hierarchy(), info.config.cgroupPath,
                                    HostEnvironment::hierarchy().available(cgroup::containerControllers()));
  ASSERT_TRUE(group) << group.error().message();
  ASSERT_TRUE(group->has(cgroup::Controller::Devices)) << "the container has no devices cgroup";
  auto text = readWholeFileAt(*group->dirFor(cgroup::Controller::Devices), "devices.list");
  ASSERT_TRUE(text) << text.error().message();
  auto listed = cgroup::parseV1DevicesList(*text);
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(cgroup::v1DeviceListMismatch(*listed, cgroup::defaultDeviceAllowList()), std::nullopt) << *text;
}

TEST(Devices, AReadoptedContainerIsSeenConfined) {
  Agent agent;
  agent.run({"sleep", "30"}, "confined");
  agent.restart();
  auto report = agent->watchRunning();
  EXPECT_EQ(report.shims, 1u);
  for (const auto& open : report.devicesUnconfined) ADD_FAILURE() << open.name << ": " << open.why;
  EXPECT_EQ(report.deviceProgramsRestored, 0u);
}

TEST(Devices, MknodIsAllowedButUsingTheNodeIsNot) {
  Agent agent;
  // In the container's /dev (its own tmpfs): nothing of the image's layers is involved.
  std::string out = outputOf(agent, shell("devices-use",
                                          "mknod /dev/kmsg-made c 1 11 && mknod /dev/disk-made b 7 0 && echo made; "
                                          "(exec 4>/dev/kmsg-made) 2>&1 || true; "
                                          "cat /dev/disk-made 2>&1 >/dev/null; "
                                          "echo x >/dev/null && head -c 4 /dev/zero | wc -c"));
  EXPECT_NE(out.find("made\n"), std::string::npos) << out;
  EXPECT_NE(out.find("/dev/kmsg-made: Operation not permitted"), std::string::npos) << out;
  EXPECT_NE(out.find("'/dev/disk-made': Operation not permitted"), std::string::npos) << out;
  EXPECT_NE(out.find("4\n"), std::string::npos) << out;
}

namespace {

// What an agentd from before device confinement left behind: the container's processes in
// no devices cgroup of its own. Its processes go back to the test's parent devices group
// (allow-all, as agentd's own group was) and its devices directory is removed.
void leaveAsAnOlderAgentdDid(const Agent& agent, const container::ContainerInfo& info) {
  const auto* devices = HostEnvironment::hierarchy().mountFor(cgroup::Controller::Devices);
  std::string dir = devices->mountPoint + info.config.cgroupPath;
  auto procs = readWholeFile(dir + "/cgroup.procs");
  ASSERT_TRUE(procs) << procs.error().message();
  auto parentDir = Dir::open(devices->mountPoint + agent.parent.path());
  ASSERT_TRUE(parentDir) << parentDir.error().message();
  for (std::string_view rest = *procs; !rest.empty();) {
    auto line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    if (line.empty()) continue;
    auto moved = writeFileAt(*parentDir, "cgroup.procs", line);
    ASSERT_TRUE(moved) << moved.error().message();
  }
  ASSERT_EQ(::rmdir(dir.c_str()), 0) << dir << ": " << std::strerror(errno);
  // Nor did its record say what it confined.
  std::string record = agent.config.stateDir + "/containers/" + info.config.spec.id + "/config.json";
  auto text = readWholeFile(record);
  ASSERT_TRUE(text);
  auto config = container::configFromJson(*text, record);
  ASSERT_TRUE(config) << config.error().message();
  config->deviceRules.reset();
  std::ofstream(record) << container::toJson(*config);
}

}  // namespace

TEST(Devices, AContainerOfAnOlderAgentdWithoutADevicesCgroupIsReadoptedAsItIs) {
  const auto* devices = HostEnvironment::hierarchy().mountFor(cgroup::Controller::Devices);
  if (!devices || devices->version != cgroup::CgroupVersion::V1) GTEST_SKIP() << "no cgroup v1 devices hierarchy";
  Agent agent;
  auto info = agent.run({"sleep", "60"}, "older");
  std::string devicesDir = devices->mountPoint + info.config.cgroupPath;
  leaveAsAnOlderAgentdDid(agent, info);
  agent.restart();  // the new agentd
  auto report = agent->watchRunning();
  ASSERT_EQ(report.devicesUnconfined.size(), 1u);
  EXPECT_EQ(report.devicesUnconfined[0].name, "older");
  EXPECT_NE(report.devicesUnconfined[0].why.find("started by an agentd without device confinement: the group has "
                                                 "no directory in the devices hierarchy (" +
                                                 devicesDir + ")"),
            std::string::npos)
      << report.devicesUnconfined[0].why;

  auto adopted = agent->inspect("older");
  ASSERT_TRUE(adopted) << adopted.error().message();
  EXPECT_EQ(adopted->status.state, container::ContainerState::Running);
  EXPECT_EQ(adopted->status.pid->pid, info.status.pid->pid);
  auto ran = agent->exec("older", {"echo", "still here"});
  ASSERT_TRUE(ran) << ran.error().message();
  EXPECT_EQ(ran->stdoutText, "still here\n");
  auto paused = agent->pause("older");
  ASSERT_TRUE(paused) << paused.error().message();
  auto resumed = agent->resume("older");
  ASSERT_TRUE(resumed) << resumed.error().message();
  // Nothing moved it into a new deny-all group.
  EXPECT_FALSE(std::filesystem::exists(devicesDir)) << devicesDir;
  auto removed = agent->remove("older", true);
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_FALSE(std::filesystem::exists(HostEnvironment::hierarchy().mountFor(cgroup::Controller::Cpu)->mountPoint +
                                       info.config.cgroupPath));
}

namespace {

// errno of opening `path` with `flags` (0: opened).
int openError(const char* path, int flags) {
  int fd = ::open(path, flags | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return 0;
  }
  return errno;
}

}  // namespace

TEST(Devices, ADeviceProgramOnACgroup2GroupDecidesItsOpens) {
  // cgroup v2 (the guest), or this hybrid host's unified tree: the kernel runs a device
  // program for a process by its cgroup2 group whatever the v1 hierarchies say.
  const auto* unified = HostEnvironment::hierarchy().unifiedMount();
  if (!unified) GTEST_SKIP() << "no cgroup2 hierarchy";
  TestParent parent;
  auto group = parent.child("bpf");
  auto dir = Dir::open(unified->mountPoint + group.path());
  ASSERT_TRUE(dir) << dir.error().message();
  EXPECT_EQ(cgroup::attachedDevicePrograms(*dir).value_or(99), 0u);
  auto attached = cgroup::attachDeviceProgram(*dir, cgroup::deviceProgram(cgroup::defaultDeviceAllowList()));
  ASSERT_TRUE(attached) << attached.error().message();
  EXPECT_EQ(cgroup::attachedDevicePrograms(*dir).value_or(99), 1u);

  ScratchDir scratch;
  std::string kmsg = scratch.path() + "/kmsg", disk = scratch.path() + "/disk";
  // Opened outside the group first: whatever refuses inside is the program.
  ASSERT_EQ(::mknod(kmsg.c_str(), S_IFCHR | 0600, makedev(1, 11)), 0) << std::strerror(errno);
  EXPECT_EQ(openError(kmsg.c_str(), O_WRONLY), 0) << "this host refuses /dev/kmsg already";
  ::unlink(kmsg.c_str());
  // Each result in a byte of the exit code: 0 opened or made, else the errno.
  ChildProcess child([&] {
    int made = ::mknod(kmsg.c_str(), S_IFCHR | 0600, makedev(1, 11)) == 0 ? 0 : errno;
    int madeDisk = ::mknod(disk.c_str(), S_IFBLK | 0600, makedev(7, 0)) == 0 ? 0 : errno;
    int kmsgOpen = openError(kmsg.c_str(), O_WRONLY);
    int diskOpen = openError(disk.c_str(), O_RDONLY);
    int nullOpen = openError("/dev/null", O_RDWR) | openError("/dev/zero", O_RDONLY) |
                   openError("/dev/urandom", O_RDONLY) | openError("/dev/full", O_WRONLY);
    bool expected = made == 0 && madeDisk == 0 && kmsgOpen == EPERM && diskOpen == EPERM && nullOpen == 0;
    if (!expected)
      std::fprintf(stderr, "mknod %d %d open kmsg %d disk %d null etc %d\n", made, madeDisk, kmsgOpen, diskOpen,
                   nullOpen);
    return expected ? 0 : 1;
  });
  ASSERT_TRUE(group.attach(child.pid()));
  child.release();
  int status = child.wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(cgroup::detachDevicePrograms(*dir).value_or(99), 1u);
  EXPECT_EQ(cgroup::attachedDevicePrograms(*dir).value_or(99), 0u);
}

TEST(Devices, AContainerOnCgroup2HasItsDeviceProgramAttachedAcrossRestarts) {
  Agent agent;
  auto info = agent.run({"sleep", "30"}, "bpf-container");
  auto group = agent->cgroupOf(info.config);
  ASSERT_TRUE(group) << group.error().message();
  if (group->deviceMechanism() != cgroup::DeviceMechanism::BpfProgram) GTEST_SKIP() << "devices confined by cgroup v1";
  auto dir = Dir::open(HostEnvironment::hierarchy().unifiedMount()->mountPoint + info.config.cgroupPath);
  ASSERT_TRUE(dir) << dir.error().message();
  EXPECT_EQ(cgroup::attachedDevicePrograms(*dir).value_or(99), 1u);
  agent.restart();
  auto report = agent->watchRunning();
  for (const auto& open : report.devicesUnconfined) ADD_FAILURE() << open.name << ": " << open.why;
  EXPECT_EQ(report.deviceProgramsRestored, 0u);
  EXPECT_EQ(cgroup::attachedDevicePrograms(*dir).value_or(99), 1u);
  // (In the vm tier an exec'd process sees the guest's /dev: see outputOf. Either way it is in
  // the container's cgroup, and a node for kmsg is refused to it.)
  auto used = agent->exec("bpf-container", {"sh", "-c", "mknod /dev/k c 1 11 2>/dev/null; echo x >/dev/k"});
  ASSERT_TRUE(used) << used.error().message();
  EXPECT_NE(used->stderrText.find("Operation not permitted"), std::string::npos) << used->stderrText;

  // Detached behind agentd's back: the next agentd attaches the container's own again.
  EXPECT_EQ(cgroup::detachDevicePrograms(*dir).value_or(99), 1u);
  EXPECT_EQ(cgroup::attachedDevicePrograms(*dir).value_or(99), 0u);
  agent.restart();
  report = agent->watchRunning();
  for (const auto& open : report.devicesUnconfined) ADD_FAILURE() << open.name << ": " << open.why;
  EXPECT_EQ(report.deviceProgramsRestored, 1u);
  EXPECT_EQ(cgroup::attachedDevicePrograms(*dir).value_or(99), 1u);
  used = agent->exec("bpf-container", {"sh", "-c", "echo x >/dev/k"});
  ASSERT_TRUE(used) << used.error().message();
  EXPECT_NE(used->stderrText.find("Operation not permitted"), std::string::npos) << used->stderrText;
}

TEST(Devices, AGivenDeviceIsMadeInTheContainerAndAllowed) {
  Agent agent;
  auto request = shell("given",
                       "stat -c '%F %t:%T %a' /dev/kmsg /opt/dev/mynull; "
                       "(exec 4>/dev/kmsg) && echo kmsg-write-opened; "
                       "mknod /dev/k c 1 11 && (exec 5</dev/k) || echo kmsg-read-refused; "
                       "mknod /dev/other c 1 12 && (exec 6>/dev/other) 2>&1; echo checked; sleep 60");
  // Write-only: opening /dev/kmsg for writing needs no CAP_SYSLOG, only the device rule.
  request.devices = {*container::parseDeviceRequest("/dev/kmsg:w"),
                     *container::parseDeviceRequest("/dev/null:/opt/dev/mynull:rw")};
  request.image = "busybox";
  auto info = agent->run(request);
  ASSERT_TRUE(info) << info.error().message();
  auto group = agent->cgroupOf(info->config);
  ASSERT_TRUE(group);
  if (group->deviceMechanism() == cgroup::DeviceMechanism::V1Controller) {
    auto text = readWholeFileAt(*group->dirFor(cgroup::Controller::Devices), "devices.list");
    ASSERT_TRUE(text) << text.error().message();
    EXPECT_NE(text->find("c 1:11 w\n"), std::string::npos) << *text;
    auto listed = cgroup::parseV1DevicesList(*text);
    ASSERT_TRUE(listed);
    EXPECT_EQ(cgroup::v1DeviceListMismatch(*listed, *info->config.deviceRules), std::nullopt) << *text;
  }
  auto inspected = agent->inspect("given");
  ASSERT_TRUE(inspected);
  ASSERT_EQ(inspected->config.spec.devices.size(), 2u);
  EXPECT_EQ(inspected->config.spec.devices[1].containerPath, "/opt/dev/mynull");
  std::string frames;
  uint64_t position = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 60s;
       streamsApart(frames).out.find("checked\n") == std::string::npos &&
       std::chrono::steady_clock::now() < deadline;) {
    auto read = agent->readLog("given", logQuery(position, 5s));
    ASSERT_TRUE(read) << read.error().message();
    frames += read->chunk.frames;
    position = read->chunk.position;
  }
  ASSERT_TRUE(agent->kill("given", SIGKILL));
  auto streams = streamsApart(frames);
  std::string out = streams.out + streams.err;
  EXPECT_NE(out.find("character special file 1:b "), std::string::npos) << out;
  EXPECT_NE(out.find("character special file 1:3 666"), std::string::npos) << out;
  EXPECT_NE(out.find("kmsg-write-opened"), std::string::npos) << out;
  EXPECT_NE(out.find("kmsg-read-refused"), std::string::npos) << out;
  // Any other device stays refused (without a rule: "No such device or address", 1:12 is no device).
  EXPECT_NE(out.find("/dev/other: Operation not permitted"), std::string::npos) << out;
}

TEST(Devices, AGivenPathThatIsNoDeviceIsRefusedNamingIt) {
  Agent agent;
  container::RunRequest request;
  request.image = "busybox";
  request.args = {"true"};
  request.devices = {*container::parseDeviceRequest("/etc/passwd")};
  auto refused = agent->run(request);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(),
            "--device \"/etc/passwd\" is a regular file, not a character or block device; give a device node such as "
            "/dev/kmsg");
  request.devices = {*container::parseDeviceRequest("/dev/no-such-device")};
  refused = agent->run(request);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("/dev/no-such-device"), std::string::npos) << refused.error().message();
  auto list = agent->list();
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST(Devices, AGivenDeviceNodeIsMadeInsideTheRootThroughSymlinks) {
  ScratchDir root, outside;
  // The image's /dev2 leads to a host directory by an absolute link, /up by "..".
  ASSERT_EQ(::symlink(outside.path().c_str(), (root.path() + "/dev2").c_str()), 0);
  ASSERT_EQ(::symlink("../../..", (root.path() + "/up").c_str()), 0);
  container::DeviceMapping null;
  null.type = 'c';
  null.major = 1;
  null.minor = 3;
  null.containerPath = "/dev2/null";
  container::DeviceMapping viaUp = null;
  viaUp.containerPath = "/up/made/null";
  // Where the link leads inside the root exists; a link leading nowhere inside is refused.
  std::filesystem::create_directories(root.path() + outside.path());
  auto made = container::makeDeviceNodes(root.path(), {null, viaUp});
  ASSERT_TRUE(made) << made.error().message();
  container::DeviceMapping nowhere = null;
  nowhere.containerPath = "/dev3/null";
  ASSERT_EQ(::symlink((outside.path() + "/elsewhere").c_str(), (root.path() + "/dev3").c_str()), 0);
  std::filesystem::create_directories(outside.path() + "/elsewhere");
  EXPECT_FALSE(container::makeDeviceNodes(root.path(), {nowhere}));
  EXPECT_FALSE(std::filesystem::exists(outside.path() + "/elsewhere/null"));
  EXPECT_FALSE(std::filesystem::exists(outside.path() + "/null"));
  struct stat st {};
  ASSERT_EQ(::lstat((root.path() + outside.path() + "/null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  ASSERT_EQ(::lstat((root.path() + "/made/null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}
