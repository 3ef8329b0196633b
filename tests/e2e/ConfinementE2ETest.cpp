// Capabilities and seccomp through the real agentd and agentctl: the flags, what inspect
// shows, and bad names and profiles refused before anything starts.
#include <gtest/gtest.h>

#include <fstream>

#include "E2ESupport.h"

using namespace e2e;

TEST(ConfinementE2E, CapabilitiesAndSeccompAsAUserGivesThem) {
  Agent agent;
  Ran caps = agent.ctl(
      "run --rm --cap-drop NET_RAW --cap-add sys_admin busybox -- grep -E '^(CapEff|Seccomp):' /proc/self/status");
  EXPECT_EQ(caps.exitCode, 0) << caps.out;
  EXPECT_EQ(caps.out, "CapEff:\t00000000a82405fb\nSeccomp:\t2\n");
  Ran free = agent.ctl("run --rm --security-opt seccomp=unconfined busybox -- grep '^Seccomp:' /proc/self/status");
  EXPECT_EQ(free.exitCode, 0) << free.out;
  EXPECT_EQ(free.out, "Seccomp:\t0\n");

  Ran detached = agent.ctl("run -d --name confined --cap-drop ALL --cap-add CHOWN busybox -- sleep 30");
  ASSERT_EQ(detached.exitCode, 0) << detached.out;
  Ran inspected = agent.ctl("inspect confined");
  EXPECT_NE(inspected.out.find("\"capabilities\": [\n    \"CAP_CHOWN\"\n  ]"), std::string::npos) << inspected.out;
  EXPECT_NE(inspected.out.find("\"seccomp\": \"default\""), std::string::npos) << inspected.out;
  Ran execd = agent.ctl("exec confined -- grep -E '^(CapEff|Seccomp):' /proc/self/status");
  EXPECT_EQ(execd.out, "CapEff:\t0000000000000001\nSeccomp:\t2\n");

  // A profile from a file: Docker's format, read by agentctl.
  std::ofstream(agent.root() / "allow-but-mkdir.json")
      << R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]})";
  Ran custom = agent.ctl("run --rm --security-opt seccomp=" + (agent.root() / "allow-but-mkdir.json").string() +
                         " busybox -- mkdir /tmp/x");
  EXPECT_NE(custom.exitCode, 0) << custom.out;
  EXPECT_NE(custom.out.find("Operation not permitted"), std::string::npos) << custom.out;
}

TEST(ConfinementE2E, BadNamesAndProfilesStartNothing) {
  Agent agent;
  Ran cap = agent.ctl("run --cap-add NET_WIZARD busybox -- true");
  EXPECT_EQ(cap.exitCode, 2) << cap.out;
  EXPECT_NE(cap.out.find("unknown capability \"NET_WIZARD\""), std::string::npos) << cap.out;
  std::string path = (agent.root() / "bad.json").string();
  std::ofstream(path)
      << R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["uname"],"action":"SCMP_ACT_NO"}]})";
  Ran profile = agent.ctl("run --security-opt seccomp=" + path + " busybox -- true");
  EXPECT_EQ(profile.exitCode, 2) << profile.out;
  EXPECT_NE(profile.out.find(path + ": seccomp profile: syscalls[0].action: unknown action \"SCMP_ACT_NO\""),
            std::string::npos)
      << profile.out;
  Ran missing = agent.ctl("run --security-opt seccomp=/nonexistent.json busybox -- true");
  EXPECT_EQ(missing.exitCode, 2) << missing.out;
  EXPECT_NE(missing.out.find("/nonexistent.json"), std::string::npos) << missing.out;
  Ran other = agent.ctl("run --security-opt apparmor=unconfined busybox -- true");
  EXPECT_EQ(other.exitCode, 2) << other.out;

  // The API refuses what agentctl would not have sent.
  std::string url, token;
  std::ifstream(agent.root() / "state" / "api") >> url;
  std::ifstream(agent.root() / "state" / "token") >> token;
  Ran api =
      shell("curl -s -w '\\n%{http_code}' -H 'Authorization: Bearer " + token +
            "' -X POST --data-binary '{\"image\":\"busybox\",\"command\":[\"true\"],\"cap_drop\":[\"CAP_NOPE\"]}' " +
            url + "/v1/containers");
  EXPECT_NE(api.out.find("unknown capability \\\"CAP_NOPE\\\""), std::string::npos) << api.out;
  EXPECT_EQ(api.out.substr(api.out.rfind('\n') + 1), "400") << api.out;
  EXPECT_EQ(agent.listIds().size(), 0u) << "a refused request left a container";
}

TEST(ConfinementE2E, AgentdRefusesToStartWithABadProfile) {
  Agent agent;
  fs::path root = agent.root();
  std::ofstream(root / "broken.json")
      << R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_ALLOW"}]})";
  std::ofstream(root / "broken.yaml") << "seccomp_profile: " << (root / "broken.json").string() << "\n";
  Ran started = shell(std::string(AGENT_BIN_DIR "/agentd --config ") + (root / "broken.yaml").string() +
                      " --state-dir " + (root / "state2").string() + " --data-dir " + (root / "data").string() +
                      " --api-address 127.0.0.1:0 --metrics-address 127.0.0.1:0 --cgroup-parent " +
                      agent.cgroupParent() + "-2 --policy-dir " + (root / "policies").string());
  EXPECT_EQ(started.exitCode, 1) << started.out;
  EXPECT_NE(started.out.find("broken.json: seccomp profile: syscalls[0]: names no syscall"), std::string::npos)
      << started.out;
}

TEST(ConfinementE2E, APolicyCanRequireASeccompProfile) {
  Agent agent;
  std::ofstream(agent.root() / "policies" / "secure.yaml") << "policies:\n"
                                                              "  - name: confined-web\n"
                                                              "    match: {labels: {tier: web}}\n"
                                                              "    security: {seccomp: required}\n";
  ASSERT_EQ(agent.ctl("policy reload").exitCode, 0);
  Ran refused = agent.ctl("run --label tier=web --security-opt seccomp=unconfined busybox -- true");
  EXPECT_EQ(refused.exitCode, 1) << refused.out;
  EXPECT_NE(refused.out.find("policy `confined-web`"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("requires a seccomp profile"), std::string::npos) << refused.out;
  EXPECT_EQ(agent.listIds().size(), 0u);
  EXPECT_EQ(agent.ctl("run --rm --label tier=web busybox -- true").exitCode, 0);
  EXPECT_EQ(agent.ctl("run --rm --label tier=db --security-opt seccomp=unconfined busybox -- true").exitCode, 0);
}
