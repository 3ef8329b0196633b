#include <gtest/gtest.h>

#include "FixtureTree.h"
#include "StateStore.h"

using namespace agent::container;
using agent::fixture::FixtureTree;

namespace {
std::string statLine(pid_t pid, char state, uint64_t startTime) {
  return std::to_string(pid) + " (sh) " + state + " 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 " +
         std::to_string(startTime) + " 1000 10 0\n";
}

ContainerConfig sampleConfig() {
  ContainerConfig c;
  c.spec.id = "0123456789ab";
  c.spec.hostname = "web-1";
  c.spec.imageRootfs = "/var/lib/agent/images/busybox/rootfs";
  c.spec.layerDir = "/var/lib/agent/containers/0123456789ab";
  c.spec.args = {"sh", "-c", "echo \"quoted\" && exit 3"};
  c.spec.env = {"A=1"};
  c.spec.network = NetworkMode::Host;
  c.name = "web-1";
  c.image = "busybox";
  c.labels = {{"tier", "web"}};
  c.cgroupPath = "/agent/0123456789ab";
  c.logPath = "/var/lib/agent/containers/0123456789ab/log";
  c.createdAtUnixMs = 1700000000000;
  return c;
}
}  // namespace

TEST(ContainerState, RecordsRoundTripThroughTheStore) {
  FixtureTree tree;
  StateStore store(tree.path("containers"));
  ContainerConfig config = sampleConfig();
  ASSERT_TRUE(store.create(config));
  auto again = store.create(config);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().errnum, EEXIST);

  auto read = store.readConfig(config.spec.id);
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_EQ(read->spec.args, config.spec.args);
  EXPECT_EQ(read->spec.network, NetworkMode::Host);
  EXPECT_EQ(read->labels, config.labels);
  EXPECT_EQ(read->cgroupPath, config.cgroupPath);
  EXPECT_FALSE(read->spec.userns);  // the host's
  config.spec.id = "with-userns";
  config.spec.userns = agent::userns::IdMapping{100000000, 200000000, 65536};
  ASSERT_TRUE(store.create(config));
  EXPECT_EQ(store.readConfig("with-userns")->spec.userns, config.spec.userns);
  ASSERT_TRUE(store.remove("with-userns"));
  // --net bridge: the lease, the ports and the /etc files it binds are in the record; a
  // --net container:ID's target and namespace too.
  config.spec.id = "on-bridge";
  config.spec.network = NetworkMode::Bridge;
  config.networkAddress = "172.30.0.7";
  config.ports = {{"0.0.0.0", 8080, 80, "tcp"}, {"127.0.0.1", 5353, 53, "udp"}};
  VolumeSpec hosts;
  hosts.source = "/var/lib/agent/containers/on-bridge/hosts";
  hosts.target = "/etc/hosts";
  config.spec.etcFiles = {hosts};
  ASSERT_TRUE(store.create(config));
  auto bridged = store.readConfig("on-bridge");
  ASSERT_TRUE(bridged) << bridged.error().message();
  EXPECT_EQ(bridged->spec.network, NetworkMode::Bridge);
  EXPECT_EQ(bridged->networkAddress, "172.30.0.7");
  EXPECT_EQ(bridged->ports, config.ports);
  EXPECT_EQ(bridged->spec.etcFiles, config.spec.etcFiles);
  ASSERT_TRUE(store.remove("on-bridge"));
  config.spec.id = "joined";
  config.spec.network = NetworkMode::Container;
  config.spec.networkContainer = "on-bridge";
  config.spec.netnsPath = "/proc/42/ns/net";
  ASSERT_TRUE(store.create(config));
  auto joined = store.readConfig("joined");
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->spec.network, NetworkMode::Container);
  EXPECT_EQ(joined->spec.networkContainer, "on-bridge");
  EXPECT_EQ(joined->spec.netnsPath, "/proc/42/ns/net");
  ASSERT_TRUE(store.remove("joined"));
  config = sampleConfig();

  auto noPid = store.readPid(config.spec.id);
  ASSERT_TRUE(noPid);
  EXPECT_FALSE(noPid->has_value());
  ASSERT_TRUE(store.writePid(config.spec.id, PidRecord{4242, 999, 1, 4241, 998}));
  ASSERT_TRUE(store.writeExit(config.spec.id, ExitRecord{137, 9, 2, ""}));
  auto pid = store.readPid(config.spec.id);
  auto exit = store.readExit(config.spec.id);
  ASSERT_TRUE(pid && *pid && exit && *exit);
  EXPECT_EQ((*pid)->startTimeTicks, 999u);
  EXPECT_EQ((*pid)->shimPid, 4241);
  EXPECT_EQ((*pid)->shimStartTimeTicks, 998u);
  EXPECT_EQ((*exit)->exitCode, 137);
  EXPECT_EQ((*exit)->signal, 9);

  auto ids = store.listIds();
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, std::vector<std::string>{config.spec.id});
  ASSERT_TRUE(store.remove(config.spec.id));
  EXPECT_TRUE(store.listIds()->empty());
}

TEST(ContainerState, CorruptRecordIsAnErrorNamingTheFile) {
  FixtureTree tree;
  tree.file("containers/abc/config.json", "{ not json");
  StateStore store(tree.path("containers"));
  auto read = store.readConfig("abc");
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message().find("containers/abc/config.json"), std::string::npos) << read.error().message();
}

TEST(ContainerState, RunningOnlyWhileThePidIsTheSameProcess) {
  FixtureTree tree;
  tree.file("proc/100/stat", statLine(100, 'S', 5000))
      .file("proc/200/stat", statLine(200, 'S', 7777))
      .file("proc/300/stat", statLine(300, 'Z', 9000));
  agent::proc::ProcFs procfs(tree.path("proc"));

  auto running = deriveStatus(PidRecord{100, 5000, 0}, std::nullopt, procfs);
  EXPECT_EQ(running.state, ContainerState::Running);
  ASSERT_TRUE(running.pid);
  EXPECT_EQ(running.pid->pid, 100);

  // pid 200 exists but started at another time: another process reusing the number.
  EXPECT_EQ(deriveStatus(PidRecord{200, 5000, 0}, std::nullopt, procfs).state, ContainerState::Stopped);
  // Gone without an exit record (the shim died too): stopped, exit unknown.
  auto gone = deriveStatus(PidRecord{400, 1, 0}, std::nullopt, procfs);
  EXPECT_EQ(gone.state, ContainerState::Stopped);
  EXPECT_FALSE(gone.exit);
  // A zombie has exited.
  EXPECT_EQ(deriveStatus(PidRecord{300, 9000, 0}, std::nullopt, procfs).state, ContainerState::Stopped);
  // PID 1 gone but its shim (pid 100 here) alive: the exit record is on its way.
  auto finishing = deriveStatus(PidRecord{400, 1, 0, 100, 5000}, std::nullopt, procfs);
  EXPECT_EQ(finishing.state, ContainerState::Running);
  EXPECT_FALSE(finishing.pid);
  // ... and a shim pid reused by another process does not count.
  EXPECT_EQ(deriveStatus(PidRecord{400, 1, 0, 200, 5000}, std::nullopt, procfs).state, ContainerState::Stopped);
  // The exit record wins, whatever the pid says.
  auto exited = deriveStatus(PidRecord{100, 5000, 0}, ExitRecord{3, std::nullopt, 0, ""}, procfs);
  EXPECT_EQ(exited.state, ContainerState::Stopped);
  EXPECT_EQ(exited.exit->exitCode, 3);
  EXPECT_EQ(deriveStatus(std::nullopt, std::nullopt, procfs).state, ContainerState::Created);
}

TEST(ContainerState, WhenPid1StartedIsKeptOnceItStopped) {
  FixtureTree tree;
  tree.file("proc/100/stat", statLine(100, 'S', 5000));
  agent::proc::ProcFs procfs(tree.path("proc"));
  PidRecord pid{100, 5000, 1'700'000'000'000};
  EXPECT_EQ(deriveStatus(pid, std::nullopt, procfs).startedAtUnixMs, 1'700'000'000'000);
  // Exited: no pid any more, but when it started stays (started <= finished).
  auto exited = deriveStatus(pid, ExitRecord{0, std::nullopt, 1'700'000'005'000, ""}, procfs);
  EXPECT_FALSE(exited.pid);
  EXPECT_EQ(exited.startedAtUnixMs, 1'700'000'000'000);
  EXPECT_LE(exited.startedAtUnixMs, exited.exit->finishedAtUnixMs);
  // Gone without a record: the same.
  EXPECT_EQ(deriveStatus(PidRecord{400, 1, 1'700'000'000'000}, std::nullopt, procfs).startedAtUnixMs,
            1'700'000'000'000);
  // Never ran (its command was not in the image): no start time.
  EXPECT_EQ(deriveStatus(std::nullopt, ExitRecord{127, std::nullopt, 1, "not found"}, procfs).startedAtUnixMs, 0);
}

TEST(ContainerState, FinalUsageRoundTripsAndKnowsAnOomKill) {
  FixtureTree tree;
  tree.dir("containers/abc");
  StateStore store(tree.path("containers"));
  EXPECT_FALSE(*store.readUsage("abc"));
  FinalUsage usage;
  usage.cpuUsageNs = 1'500'000'000;
  usage.memoryMaxUsageBytes = 33'554'432;
  usage.oomKills = 1;
  usage.readAtUnixMs = 1'700'000'000'000;
  ASSERT_TRUE(store.writeUsage("abc", usage));
  auto read = store.readUsage("abc");
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->cpuUsageNs, 1'500'000'000u);
  EXPECT_EQ((*read)->memoryMaxUsageBytes, 33'554'432u);
  EXPECT_TRUE((*read)->oomKilled());
  EXPECT_FALSE((*read)->cpuUserNs) << "unknown stays unknown, not 0";
  EXPECT_EQ((*read)->readAtUnixMs, 1'700'000'000'000);
  EXPECT_FALSE(FinalUsage{}.oomKilled());
}
