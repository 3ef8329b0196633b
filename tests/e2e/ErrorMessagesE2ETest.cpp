// What a person reads when something is wrong: one line, `agentctl: ` and one sentence saying
// what was wrong, why, and what to do; the errno's text only where the system failed, with
// the path. Exit 1 when agentd refused, 3 when it could not be reached (whatever the cause).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "E2ESupport.h"

using namespace e2e;

namespace {

// The whole output is one line.
void expectOneLine(const Ran& r) {
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
}

}  // namespace

TEST(ErrorMessagesE2E, NoSuchImageOrContainerIsOneSentence) {
  Agent agent;
  Ran image = agent.ctl("run -d nosuch -- true");
  EXPECT_EQ(image.exitCode, 1);
  EXPECT_EQ(image.out, "agentctl: no such image \"nosuch\"; agentctl image ls lists the images\n");
  Ran container = agent.ctl("inspect nobody");
  EXPECT_EQ(container.exitCode, 1);
  EXPECT_EQ(container.out, "agentctl: no such container \"nobody\"; agentctl ps -a lists the containers\n");
  Ran stop = agent.ctl("stop nobody");
  EXPECT_EQ(stop.exitCode, 1);
  EXPECT_EQ(stop.out, container.out);
  ASSERT_EQ(agent.ctl("run -d --name web busybox -- sleep 60").exitCode, 0);
  Ran taken = agent.ctl("run -d --name web busybox -- true");
  EXPECT_EQ(taken.exitCode, 1);
  expectOneLine(taken);
  EXPECT_EQ(taken.out.rfind("agentctl: the name \"web\" is taken by container ", 0), 0u) << taken.out;
  Ran running = agent.ctl("rm web");
  EXPECT_EQ(running.exitCode, 1);
  EXPECT_EQ(running.out,
            "agentctl: container \"web\" is running; stop it first (agentctl stop), or remove it with -f, which kills "
            "it\n");
}

TEST(ErrorMessagesE2E, NoUserErrorEndsInAnErrnoText) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run --name done busybox -- true").exitCode, 0);  // attached: stopped once it returns
  for (const std::string& args :
       {std::string("run -d --name a/b busybox -- true"), std::string("run -d --hostname=-x busybox -- true"),
        std::string("run -d nosuch -- true"), std::string("inspect nobody"), std::string("kill -s NOPE done"),
        std::string("exec done -- true"), std::string("pause done"), std::string("limit --cpu 50% nobody"),
        std::string("run -d --rootfs /no/such/dir -- true"), std::string("image import bad/name /etc/hostname")}) {
    Ran r = agent.ctl(args);
    EXPECT_EQ(r.exitCode, 1) << args << ": " << r.out;
    expectOneLine(r);
    EXPECT_EQ(r.out.rfind("agentctl: ", 0), 0u) << args << ": " << r.out;
    for (const char* errnoText :
         {"Invalid argument", "No such file or directory", "Device or resource busy", "File exists", "No such process"})
      EXPECT_EQ(r.out.find(errnoText), std::string::npos) << args << ": " << r.out;
  }
}

TEST(ErrorMessagesE2E, AQuantityAgentdRefusesComesThroughAsItsOneLine) {
  // The quantity's own wording is the limits' (policies/Quantity.cpp); agentctl passes it on
  // as agentd said it, on one line after `agentctl: `, and exits 1.
  Agent agent;
  for (const std::string& args :
       {std::string("run -d --cpu 0% busybox -- true"), std::string("run -d --memory 12q busybox -- true")}) {
    Ran r = agent.ctl(args);
    EXPECT_EQ(r.exitCode, 1) << args << ": " << r.out;
    expectOneLine(r);
    EXPECT_EQ(r.out.rfind("agentctl: ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find(args.find("0%") != std::string::npos ? "0%" : "12q"), std::string::npos) << r.out;
  }
  EXPECT_EQ(agent.listIds().size(), 0u) << "a refused run creates nothing";
}

TEST(ErrorMessagesE2E, AMissingTokenFileNamesItAndTheStateDirectory) {
  Agent agent;
  std::string elsewhere = (agent.root() / "elsewhere").string();
  fs::create_directories(elsewhere);
  Ran r = shell(AGENT_BIN_DIR "/agentctl --state-dir " + elsewhere + " ps");
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_EQ(r.out.find("Connection refused"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cannot read the API token " + elsewhere + "/token: No such file or directory"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("agentd writes it when it starts"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--state-dir " + elsewhere), std::string::npos) << r.out;
}

TEST(ErrorMessagesE2E, ARefusedTokenNamesTheFileUsedAndAgentdsOwn) {
  Agent agent;
  std::string wrong = (agent.root() / "wrong-token").string();
  std::ofstream(wrong) << "not-the-token\n";
  Ran r = agent.ctl("--token-file " + wrong + " ps");
  EXPECT_EQ(r.exitCode, 1);
  expectOneLine(r);
  EXPECT_NE(r.out.find("refused the API token read from " + wrong), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("its own token is in " + (agent.root() / "state" / "token").string()), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("/run/agent"), std::string::npos) << r.out;
}

TEST(ErrorMessagesE2E, UnreachableSaysWhereAndHowToStartAgentd) {
  Ran r = shell(AGENT_BIN_DIR "/agentctl --api http://127.0.0.1:1 --token-file /dev/null --state-dir /nowhere ps");
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_EQ(r.out,
            "agentctl: cannot reach agentd at http://127.0.0.1:1 (Connection refused); is agentd running? start it "
            "(`sudo agentd`, or `make run` in the source tree), or give agentctl the --state-dir of the agentd you "
            "mean (now /nowhere)\n");
}

TEST(ErrorMessagesE2E, WhileAgentdStopsEveryRequestIsAnsweredOrUnreachable) {
  Agent agent;
  ASSERT_EQ(agent.ctl("ps").exitCode, 0);
  agent.signal(SIGTERM);
  // Whatever moment of the stop a request meets (answered, 503, a connection reset, nothing
  // listening): 0 or 3, never 1 with "Connection reset by peer".
  int asked = 0;
  while (!agent.exited() && asked < 2000) {
    Ran r = agent.ctl("ps");
    ++asked;
    EXPECT_TRUE(r.exitCode == 0 || r.exitCode == 3) << r.exitCode << ": " << r.out;
    EXPECT_EQ(r.out.find("reset by peer"), std::string::npos) << r.out;
  }
  for (int i = 0; i < 5; ++i) {
    Ran r = agent.ctl("ps");
    EXPECT_EQ(r.exitCode, 3) << r.out;
  }
  EXPECT_TRUE(WIFEXITED(agent.exitStatus()) && WEXITSTATUS(agent.exitStatus()) == 0) << agent.log();
}

TEST(ErrorMessagesE2E, AgentdStopsQuicklyAndSaysWhatItWaitedFor) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name web busybox -- sleep 60").exitCode, 0);
  auto started = std::chrono::steady_clock::now();
  agent.stop(SIGTERM);
  auto took = std::chrono::steady_clock::now() - started;
  // Idle (a container running, two standby containers): well under a second. The CivetWeb
  // servers' master threads took up to 2 s each to see the stop.
  EXPECT_LT(took, 1s) << agent.log();
  std::string log = agent.log();
  EXPECT_NE(log.find("msg=\"stopped\" took_ms="), std::string::npos) << log;
  agent.start();  // so that the container is removed with the agent
}
