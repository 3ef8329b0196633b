// Streams (exec, run -i) over https: agentd's API with a certificate, agentctl trusting it. Over
// TLS, libmicrohttpd 0.9.75 relays an upgraded connection through a socketpair and passes on
// neither a client's end of input (close_notify) nor its going, and may miss a finished
// session's end; agentctl frames its input with ticks (InputFrames.h) and agentd watches the
// client's TCP socket (UpgradedRelay.h). Here: piped stdin reaches its end with every byte and
// the command's end reaches the client with all its output, also while its input still
// comes; a client killed in the middle of a stream ends its
// exec and its `run -i --rm` container, and leaves no connection behind. About 10 s.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <thread>

#include "E2ESupport.h"

using namespace e2e;
using namespace std::chrono_literals;

namespace {

// A self-signed certificate for 127.0.0.1, trusted through AGENT_TLS_CA while it lives.
struct LoopbackCertificate {
  fs::path dir;
  LoopbackCertificate() {
    std::random_device random;
    dir = fs::temp_directory_path() / ("agent-test-tls-" + std::to_string(random()));
    fs::create_directories(dir);
    Ran made = shell("cd " + dir.string() +
                     " && openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 2"
                     " -subj /CN=agentd -addext subjectAltName=IP:127.0.0.1 -keyout api.key -out api.crt");
    EXPECT_EQ(made.exitCode, 0) << made.out;
    ::setenv("AGENT_TLS_CA", (dir / "api.crt").c_str(), 1);
  }
  ~LoopbackCertificate() {
    ::unsetenv("AGENT_TLS_CA");
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string config() const {
    return "api_tls_cert: " + (dir / "api.crt").string() + "\napi_tls_key: " + (dir / "api.key").string() + "\n";
  }
};

// The API's port, from STATE_DIR/api (https://127.0.0.1:PORT).
std::string apiPort(const Agent& agent) {
  std::ifstream in(agent.root() / "state" / "api");
  std::string url;
  std::getline(in, url);
  EXPECT_EQ(url.rfind("https://127.0.0.1:", 0), 0u) << url;
  return url.substr(url.rfind(':') + 1);
}

// Connections to the API's port that agentd still holds: open, or closed by the client only
// (CLOSE-WAIT).
std::string heldCommand(const std::string& port) {
  return "ss -tnH state established state close-wait '( sport = :" + port + " )'";
}

// True once `check` (a shell command) succeeds, within `timeout`.
bool eventually(const std::string& check, std::chrono::milliseconds timeout) {
  for (auto end = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < end;) {
    if (shell(check).exitCode == 0) return true;
    std::this_thread::sleep_for(100ms);
  }
  return shell(check).exitCode == 0;
}

bool noneHeld(const std::string& port) {
  return eventually("test -z \"$(" + heldCommand(port) + ")\"", 5s);
}

// `command` in a shell of its own process group (killed as a whole).
pid_t spawnGroup(const std::string& command) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// An agentd serving its API over https with that certificate, and a container `web` to exec in.
class TlsStreamE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    agentPtr = std::make_unique<Agent>(certificate.config());
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_EQ(agent().ctl("run -d --name web busybox -- sleep 600").exitCode, 0) << agent().log();
  }
  Agent& agent() { return *agentPtr; }

  LoopbackCertificate certificate;
  std::unique_ptr<Agent> agentPtr;
};

}  // namespace

TEST_F(TlsStreamE2E, PipedStdinReachesItsEndWithEveryByte) {
  Agent& agent = this->agent();

  Ran counted = shell("printf 'a\\nb\\nc\\n' | timeout 20 " + agent.ctlCommand() + " exec -i web wc -l");
  EXPECT_EQ(counted.exitCode, 0) << counted.out << agent.log();
  EXPECT_EQ(counted.out, "3\n");
  // 4 MiB of random bytes, many frames, through md5sum, and through cat and back while more
  // comes (both ways full at once: the output must be read while the input waits).
  fs::path blob = agent.root() / "blob";
  ASSERT_EQ(shell("head -c 4194304 /dev/urandom > " + blob.string()).exitCode, 0);
  std::string want = shell("md5sum < " + blob.string()).out.substr(0, 32);
  Ran sum = shell("timeout 60 " + agent.ctlCommand() + " exec -i web md5sum < " + blob.string());
  EXPECT_EQ(sum.exitCode, 0) << sum.out;
  EXPECT_EQ(sum.out.substr(0, 32), want);
  Ran back = shell("timeout 60 " + agent.ctlCommand() + " exec -i web cat < " + blob.string() + " | md5sum");
  EXPECT_EQ(back.out.substr(0, 32), want) << back.out;
  // A command that ends while its input still comes: its output all arrives, its code too.
  Ran head = shell("timeout 20 " + agent.ctlCommand() + " exec -i web head -c 10 < " + blob.string() + " | wc -c");
  EXPECT_EQ(head.out, "10\n");
  Ran early = shell("timeout 20 " + agent.ctlCommand() + " exec -i web sh -c 'echo out; exit 2' < " + blob.string());
  EXPECT_EQ(early.exitCode, 2) << early.out;
  EXPECT_EQ(early.out, "out\n");
  Ran late = shell("timeout 20 " + agent.ctlCommand() + " exec -i web sh -c 'sleep 1; echo done' < " + blob.string());
  EXPECT_EQ(late.out, "done\n");
  // run -i: the container's stdin ends, it exits, its output is all there.
  Ran ran = shell("echo over-tls | timeout 20 " + agent.ctlCommand() + " run -i --rm busybox -- cat");
  EXPECT_EQ(ran.exitCode, 0) << ran.out << agent.log();
  EXPECT_EQ(ran.out, "over-tls\n");
  std::string port = apiPort(agent);
  EXPECT_TRUE(noneHeld(port)) << shell(heldCommand(port)).out;
}

TEST_F(TlsStreamE2E, AClientKilledMidStreamEndsItsExecAndItsRunRmContainer) {
  Agent& agent = this->agent();

  // An exec whose stdin stays open (sleep holds the pipe), its client killed.
  pid_t exec = spawnGroup("sleep 60 | exec " + agent.ctlCommand() + " exec -i web cat");
  std::string catRuns = agent.ctlCommand() + " exec web ps -o comm | grep -qx cat";
  ASSERT_TRUE(eventually(catRuns, 10s)) << agent.log();
  ::kill(-exec, SIGKILL);
  ::waitpid(exec, nullptr, 0);
  EXPECT_TRUE(eventually("! " + catRuns, 5s)) << "the exec's cat runs on after its client was killed\n" << agent.log();

  // run -i --rm, its client killed once its stream is up (it printed what the container said
  // first): the container's stdin ends, cat exits, the container goes.
  fs::path said = agent.root() / "run-output";
  pid_t run = spawnGroup("sleep 60 | exec " + agent.ctlCommand() +
                         " run -i --rm --name gone busybox -- sh -c 'echo up; cat' > " + said.string());
  ASSERT_TRUE(eventually("grep -qx up " + said.string(), 10s)) << agent.log();
  ::kill(-run, SIGKILL);
  ::waitpid(run, nullptr, 0);
  EXPECT_TRUE(eventually("! " + agent.ctlCommand() + " inspect gone", 5s))
      << "the run -i --rm container stays after its client was killed\n"
      << agent.ctl("ps -a").out << agent.log();
  std::string port = apiPort(agent);
  EXPECT_TRUE(noneHeld(port)) << shell(heldCommand(port)).out;
}
