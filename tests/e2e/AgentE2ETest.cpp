// agentd and agentctl as a user runs them: real binaries, real containers, on this host.
// Each test starts its own agentd (free port, its own state/data dirs and cgroup parent
// `agent-test-<pid>-<random>`) and removes all of it afterwards.
#include <gtest/gtest.h>
#include <signal.h>

#include "E2ESupport.h"

using namespace e2e;

TEST(E2E, RunReturnsTheContainersExitCode) {
  Agent agent;
  Ran seven = agent.ctl("run busybox -- sh -c 'echo pid $$ on $(hostname); exit 7'");
  EXPECT_EQ(seven.exitCode, 7) << seven.out;
  EXPECT_NE(seven.out.find("pid 1 on "), std::string::npos) << seven.out;
  Ran detached = agent.ctl("run -d --name sleeper busybox -- sleep 60");
  ASSERT_EQ(detached.exitCode, 0) << detached.out;
  ASSERT_EQ(agent.ctl("kill -s KILL sleeper").exitCode, 0);
  Ran waited = agent.ctl("inspect sleeper");
  for (int i = 0; i < 100 && field(waited.out, "state") != "stopped"; ++i) {
    std::this_thread::sleep_for(20ms);
    waited = agent.ctl("inspect sleeper");
  }
  EXPECT_EQ(field(waited.out, "exit_code"), "137") << waited.out;
  Ran missing = agent.ctl("run busybox -- no-such-command");
  EXPECT_EQ(missing.exitCode, 127);
  EXPECT_NE(missing.out.find("command not found in the image"), std::string::npos) << missing.out;
}

TEST(E2E, ContainersAndExitCodesSurviveAnAgentdKill) {
  Agent agent;
  std::map<std::string, std::string> pids;
  for (int i = 0; i < 4; ++i) {
    std::string name = "long-" + std::to_string(i);
    ASSERT_EQ(agent.ctl("run -d --name " + name + " busybox -- sleep 60").exitCode, 0);
    pids[name] = field(agent.ctl("inspect " + name).out, "pid");
  }
  ASSERT_EQ(agent.ctl("run -d --name short busybox -- sh -c 'sleep 2; exit 3'").exitCode, 0);
  auto standbyIds = [&] {
    std::set<std::string> ids;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(agent.root() / "state" / "standby", ec))
      ids.insert(e.path().filename());
    return ids;
  };
  // Shims still waiting as standby for one of `ids` (a released one runs a container).
  auto standbyShims = [&](const std::set<std::string>& ids) {
    size_t alive = 0;
    for (const auto& id : ids) {
      if (fs::exists(agent.root() / "state" / "containers" / id)) continue;
      alive += shell("ps -eo args | grep -c -- '^[^ ]*agent-shim .*/" + id + " --standby'").out != "0\n";
    }
    return alive;
  };
  for (int i = 0; i < 200 && standbyIds().size() < Agent::kStandby; ++i) std::this_thread::sleep_for(10ms);
  auto before = standbyIds();
  EXPECT_EQ(before.size(), Agent::kStandby);  // as its agent.yaml says
  agent.stop(SIGKILL);                        // no goodbye: the agent simply dies
  std::this_thread::sleep_for(2500ms);        // meanwhile `short` exits with 3
  EXPECT_EQ(standbyShims(before), 0u);        // their control pipe closed: they ended
  agent.start();
  for (int i = 0; i < 200 && standbyIds().size() < Agent::kStandby; ++i) std::this_thread::sleep_for(10ms);
  for (const auto& id : before) {
    EXPECT_EQ(standbyIds().count(id), 0u) << "the dead agent's standby marker " << id << " is still there";
    EXPECT_FALSE(fs::exists("/sys/fs/cgroup/pids" + agent.cgroupParent() + "/" + id)) << id;
    EXPECT_FALSE(fs::exists("/sys/fs/cgroup" + agent.cgroupParent() + "/" + id)) << id;
  }
  EXPECT_EQ(standbyShims(standbyIds()), Agent::kStandby);
  Ran ps = agent.ctl("ps -a --output json");
  ASSERT_EQ(ps.exitCode, 0) << ps.out;
  for (const auto& [name, pid] : pids) {
    Ran info = agent.ctl("inspect " + name);
    EXPECT_EQ(field(info.out, "state"), "running") << info.out;
    EXPECT_EQ(field(info.out, "pid"), pid) << name;
  }
  Ran shortInfo = agent.ctl("inspect short");
  EXPECT_EQ(field(shortInfo.out, "state"), "stopped") << shortInfo.out;
  EXPECT_EQ(field(shortInfo.out, "exit_code"), "3") << shortInfo.out;
}

TEST(E2E, BadInputIsRefusedWithTheRightCodeAndChangesNothing) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name keeper busybox -- sleep 60").exitCode, 0);
  std::string before = agent.ctl("inspect keeper").out;
  for (const std::string& name : std::vector<std::string>{"a/b", "..", "x..y", std::string(129, 'n')}) {
    Ran r = agent.ctl("run -d --name '" + name + "' busybox -- true");
    EXPECT_EQ(r.exitCode, 1) << name << ": " << r.out;
    EXPECT_NE(r.out.find("container name"), std::string::npos) << r.out;
  }
  EXPECT_EQ(agent.ctl("run -d --name keeper busybox -- true").exitCode, 1);
  EXPECT_NE(agent.ctl("run -d busybox-nope -- true").out.find("no such image"), std::string::npos);
  EXPECT_EQ(agent.ctl("inspect nobody").exitCode, 1);
  EXPECT_EQ(agent.ctl("run -d --cpu 50x busybox -- true").exitCode, 1);
  EXPECT_EQ(agent.ctl("run").exitCode, 2);

  std::string url;
  std::ifstream apiFile(agent.root() / "state" / "api");
  std::getline(apiFile, url);
  std::ifstream tokenFile(agent.root() / "state" / "token");
  std::string token;
  std::getline(tokenFile, token);
  auto status = [&](const std::string& args) { return shell("curl -s -o /dev/null -w '%{http_code}' " + args).out; };
  EXPECT_EQ(status(url + "/v1/containers"), "401");
  EXPECT_EQ(status("-H 'Authorization: Bearer wrong' " + url + "/v1/containers"), "401");
  EXPECT_EQ(status("-H 'Authorization: Bearer " + token + "' -X POST -d '{oops' " + url + "/v1/containers"), "400");
  std::string big = (agent.root() / "big-body").string();
  shell("head -c 1100000 /dev/zero > " + big);
  EXPECT_EQ(
      status("-H 'Authorization: Bearer " + token + "' -X POST --data-binary @" + big + " " + url + "/v1/containers"),
      "413");
  EXPECT_EQ(status("-H 'Authorization: Bearer " + token + "' " + url + "/v1/containers/nobody"), "404");
  EXPECT_EQ(status(url + "/healthz"), "200");

  std::string after = agent.ctl("inspect keeper").out;
  EXPECT_EQ(field(after, "pid"), field(before, "pid"));
  EXPECT_EQ(field(after, "state"), "running");
}

TEST(E2E, RmLeavesNoCgroupMountOrDirectory) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name doomed --pids 50 busybox -- sleep 60").exitCode, 0);
  std::string id = field(agent.ctl("inspect doomed").out, "id");
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(agent.ctl("rm -f doomed").exitCode, 0);
  for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup")) {
    EXPECT_FALSE(fs::exists(hierarchy.path().string() + agent.cgroupParent() + "/" + id)) << hierarchy.path();
  }
  EXPECT_EQ(shell("grep -c " + id + " /proc/self/mountinfo").out, "0\n");
  EXPECT_FALSE(fs::exists(agent.root() / "data" / "containers" / id));
  EXPECT_FALSE(fs::exists(agent.root() / "state" / "containers" / id));
}

TEST(E2E, UnreachableAgentSaysHowToStartIt) {
  Ran r = shell(AGENT_BIN_DIR "/agentctl --api http://127.0.0.1:1 --token-file /dev/null ps");
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_NE(r.out.find("is agentd running? start it"), std::string::npos) << r.out;
}

TEST(E2E, ImportedImageRuns) {
  Agent agent;
  std::string tarball = (agent.root() / "rootfs.tar").string();
  ASSERT_EQ(shell("tar -C " AGENT_TEST_IMAGES "/busybox/rootfs -cf " + tarball + " .").exitCode, 0);
  Ran imported = agent.ctl("image import imported " + tarball);
  ASSERT_EQ(imported.exitCode, 0) << imported.out;
  EXPECT_NE(imported.out.find("imported imported:"), std::string::npos) << imported.out;
  Ran listed = agent.ctl("image ls");
  EXPECT_NE(listed.out.find("imported"), std::string::npos) << listed.out;
  // A flat image is inspected by its name as a layered one is.
  Ran inspected = agent.ctl("image inspect imported");
  EXPECT_EQ(inspected.exitCode, 0) << inspected.out;
  EXPECT_NE(inspected.out.find("\"kind\": \"flat\""), std::string::npos) << inspected.out;
  Ran ran = agent.ctl("run --rm imported -- sh -c 'cat /etc/passwd | head -1'");
  EXPECT_EQ(ran.exitCode, 0) << ran.out;
  EXPECT_NE(ran.out.find("root:x:0:0"), std::string::npos) << ran.out;
  EXPECT_EQ(agent.ctl("image import imported " + tarball).exitCode, 1);  // the name is taken
}

TEST(E2E, TheCommandIsEveryWordAfterTheImageAndWorkdirIsWhereItStarts) {
  // As docker run: `sh -c ...` needs no `--`, and -w picks (and makes) the directory.
  Agent agent;
  Ran ran = agent.ctl("run --rm -w /srv/new busybox sh -c 'pwd; echo $0' -x");
  EXPECT_EQ(ran.exitCode, 0) << ran.out;
  EXPECT_EQ(ran.out, "/srv/new\n-x\n");
  Ran relative = agent.ctl("run --rm -w srv busybox true");
  EXPECT_EQ(relative.exitCode, 1) << relative.out;
  EXPECT_NE(relative.out.find("is not an absolute path"), std::string::npos) << relative.out;
}

TEST(E2E, RunsFromARootfsDirectoryWithoutWritingIt) {
  Agent agent;
  std::string rootfs = AGENT_TEST_IMAGES "/busybox/rootfs";
  Ran ran = agent.ctl("run --rm --rootfs " + rootfs + " -- sh -c 'echo via rootfs > /etc/marker; cat /etc/marker'");
  EXPECT_EQ(ran.exitCode, 0) << ran.out;
  EXPECT_NE(ran.out.find("via rootfs"), std::string::npos) << ran.out;
  EXPECT_FALSE(fs::exists(rootfs + "/etc/marker")) << "the rootfs directory was written";
  EXPECT_EQ(agent.ctl("run --rootfs relative/dir -- true").exitCode, 1);
  // As `docker run -- true`: the first word is the image, and no image is named "true".
  Ran noImage = agent.ctl("run -- true");
  EXPECT_EQ(noImage.exitCode, 1);
  EXPECT_NE(noImage.out.find("no such image \"true\""), std::string::npos) << noImage.out;
}
