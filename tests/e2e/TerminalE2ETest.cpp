// Terminals through a real one: tmux (a private server, `-L agent-test-<pid>-...`, killed at
// the end) runs agentctl in a pane; the test types with send-keys and reads the screen with
// capture-pane, waiting for text, never for a fixed time. `run -it busybox sh` is PID 1 with a
// controlling terminal, follows the window's size, gets Ctrl-C, and its exit code is
// agentctl's; Ctrl-P Ctrl-Q detaches, `attach` comes back, also across an agentd restart.
// `run -i` streams stdin until EOF.
#include <gtest/gtest.h>

#include "E2ESupport.h"
#include "TmuxSession.h"

using namespace e2e;

namespace {

// Waits until `command`'s output holds `text`.
bool eventually(const Agent& agent, const std::string& command, const std::string& text) {
  for (int i = 0; i < 200; ++i) {
    if (agent.ctl(command).out.find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

}  // namespace

TEST(TerminalE2E, RunItGivesAShellAsPid1WithItsOwnTerminal) {
  Agent agent;
  Tmux tmux;
  tmux.type(agent.ctlCommand() + " run -it --name tty1 busybox sh; echo rc=$?");
  tmux.type("echo pid=$$");
  ASSERT_TRUE(tmux.waitFor("pid=1\n")) << tmux.screen() << agent.log();
  // Only the shell and ps: a pid namespace of its own.
  tmux.type("ps > /tmp/ps.txt; echo procs=$(grep -vc PID /tmp/ps.txt)");
  EXPECT_TRUE(tmux.waitFor("procs=2\n")) << tmux.screen();
  // The window's size at the start, and after a resize (SIGWINCH -> POST .../resize).
  tmux.type("echo size=$(stty size)");
  EXPECT_TRUE(tmux.waitFor("size=30 100\n")) << tmux.screen();
  tmux.tmux("resize-window -t t -x 120 -y 40");
  tmux.type("echo size=$(stty size)");
  EXPECT_TRUE(tmux.waitFor("size=40 120\n")) << tmux.screen();
  // Ctrl-C is a byte for the container's terminal: it interrupts sleep, not agentctl.
  tmux.type("sleep 100");
  ASSERT_TRUE(eventually(agent, "exec tty1 ps", "sleep 100")) << tmux.screen();
  tmux.keys("C-c");
  tmux.type("echo back=$((40+2))");
  EXPECT_TRUE(tmux.waitFor("back=42\n", 1, 10s)) << tmux.screen();
  EXPECT_EQ(agent.ctl("exec tty1 ps").out.find("sleep 100"), std::string::npos);
  EXPECT_EQ(tmux.screen().find("rc="), tmux.screen().find("rc=$?")) << "agentctl ended:\n" << tmux.screen();
  // Its exit code is agentctl's, and agentctl's terminal is back as it was (echo on).
  tmux.type("exit 3");
  EXPECT_TRUE(tmux.waitFor("rc=3\n")) << tmux.screen();
  tmux.type("echo cooked=$(stty -a | grep -o ' icanon' | tr -d ' ')");
  EXPECT_TRUE(tmux.waitFor("cooked=icanon\n")) << tmux.screen();
}

TEST(TerminalE2E, DetachAttachAndAnAgentdRestartKeepTheShell) {
  Agent agent;
  Tmux tmux;
  tmux.type(agent.ctlCommand() + " run -it --name tty2 busybox sh; echo rc=$?");
  tmux.type("export MARK=kept; echo pid=$$");
  ASSERT_TRUE(tmux.waitFor("pid=1\n")) << tmux.screen() << agent.log();
  tmux.keys("C-p C-q");
  ASSERT_TRUE(tmux.waitFor("rc=0\n")) << tmux.screen();
  EXPECT_TRUE(tmux.waitFor("detached from container tty2")) << tmux.screen();
  EXPECT_NE(agent.ctl("inspect tty2").out.find("\"running\""), std::string::npos);

  tmux.type(agent.ctlCommand() + " attach tty2; echo rc=$?");
  tmux.type("echo again=$MARK");
  ASSERT_TRUE(tmux.waitFor("again=kept\n")) << tmux.screen() << agent.log();
  // A session left idle longer than the API's idle timeout (5 s) and request deadline (10 s)
  // stays: those bound HTTP requests, not an upgraded stream. (A fixed wait: its length is
  // what is tested.)
  std::this_thread::sleep_for(12s);
  tmux.type("echo still=$MARK");
  ASSERT_TRUE(tmux.waitFor("still=kept\n")) << tmux.screen() << agent.log();
  tmux.keys("C-p C-q");
  ASSERT_TRUE(tmux.waitFor("rc=0\n", 2)) << tmux.screen();

  // agentd restarted while nobody is attached: the shim holds the terminal meanwhile.
  agent.stop(SIGTERM);
  agent.start();
  tmux.type(agent.ctlCommand() + " attach tty2; echo rc=$?");
  tmux.type("echo alive=$MARK");
  ASSERT_TRUE(tmux.waitFor("alive=kept\n")) << tmux.screen() << agent.log();
  // agentd stopped while a client is attached: it stops cleanly (Agent::stop checks), the
  // client is told its stream ended (agentd is gone: exit 3), the shell lives on.
  agent.stop(SIGTERM);
  ASSERT_TRUE(tmux.waitFor("rc=3\n")) << tmux.screen();
  EXPECT_TRUE(tmux.waitFor("ended because agentd stopped; the container runs on")) << tmux.screen();
  // busybox's prompt asks the terminal where the cursor is (ESC [6n); when agentctl is gone
  // before tmux answers, the answer (ESC [27;5R) is the outer sh's input: a line of its own
  // takes it, rather than the next command (seen under load: "5R/.../agentctl: not found").
  tmux.type("true");
  agent.start();
  tmux.type(agent.ctlCommand() + " attach tty2; echo rc=$?");
  tmux.type("echo again=$$");
  ASSERT_TRUE(tmux.waitFor("again=1\n")) << tmux.screen() << agent.log();
  tmux.type("exit 5");
  EXPECT_TRUE(tmux.waitFor("rc=5\n")) << tmux.screen();
}

TEST(TerminalE2E, RunTWithoutIGivesATerminalOfTheContainersOwnWhateverAgentctlsInputIs) {
  // As docker run -t: the command's stdin, stdout and stderr are a terminal the container's
  // /dev/pts has (`tty` names it); agentctl's input (a pipe here) is not read. A command that
  // ends before agentctl attaches is shown from its log, and --rm still removes it.
  Agent agent;
  for (int i = 0; i < 5; ++i) {
    Ran tty = shell("echo typed | timeout 30 " + agent.ctlCommand() + " run -t --rm busybox tty");
    EXPECT_EQ(tty.exitCode, 0) << tty.out << agent.log();
    EXPECT_EQ(tty.out, "/dev/pts/0\r\n");
  }
  Ran code = shell("timeout 30 " + agent.ctlCommand() + " run -t --rm busybox sh -c 'stty size; exit 4' </dev/null");
  EXPECT_EQ(code.exitCode, 4) << code.out;
  EXPECT_EQ(code.out, "24 80\r\n");
  EXPECT_EQ(agent.listIds().size(), 0u) << agent.ctl("ps -a").out;
}

TEST(TerminalE2E, ATerminalStartsAtTheWindowsSizeWithATermAndBelongsToItsUser) {
  Agent agent;
  Tmux tmux;
  // At once, before any resize could reach it: the window's size (tmux's 100x30), as docker's
  // ConsoleSize; TERM as docker run -t sets it; the terminal owned by -u's user.
  tmux.type(agent.ctlCommand() +
            " run -it --rm -u 65534:65534 busybox sh -c 'echo size=$(stty size) term=$TERM owner=$(stat -c %u "
            "$(tty)); echo hi > $(tty) && echo written-$((2+3))'; echo rc=$?");
  EXPECT_TRUE(tmux.waitFor("size=30 100 term=xterm owner=65534")) << tmux.screen() << agent.log();
  EXPECT_TRUE(tmux.waitFor("written-5")) << tmux.screen();
  EXPECT_TRUE(tmux.waitFor("rc=0\n")) << tmux.screen();
}

TEST(TerminalE2E, RunTWithoutIPassesCtrlCOnAndADetachedRmContainerGoesWhenItStops) {
  Agent agent;
  Tmux tmux;
  // -t alone: agentctl's terminal stays cooked, Ctrl-C is SIGINT passed on to the container.
  // (What is waited for is computed, so the typed command line never matches it.)
  tmux.type(agent.ctlCommand() +
            " run -t --rm busybox sh -c 'trap \"echo got-$((1+1)); exit 7\" INT; echo ready-$((6*7)); while :; do "
            "sleep 1; done'; echo rc=$?");
  ASSERT_TRUE(tmux.waitFor("ready-42")) << tmux.screen() << agent.log();
  tmux.keys("C-c");
  EXPECT_TRUE(tmux.waitFor("got-2")) << tmux.screen();
  EXPECT_TRUE(tmux.waitFor("rc=7\n")) << tmux.screen();

  // run -it --rm, detached, attached again, exited: removed by agentd, not left stopped.
  tmux.type(agent.ctlCommand() + " run -it --rm --name rmt busybox sh; echo rc=$?");
  tmux.type("echo pid=$$");
  ASSERT_TRUE(tmux.waitFor("pid=1\n")) << tmux.screen();
  tmux.keys("C-p C-q");
  ASSERT_TRUE(tmux.waitFor("and is removed when it stops")) << tmux.screen();
  tmux.type(agent.ctlCommand() + " attach rmt; echo rc=$?");
  tmux.type("echo back=$$");
  ASSERT_TRUE(tmux.waitFor("back=1\n")) << tmux.screen();
  tmux.type("exit 4");
  EXPECT_TRUE(tmux.waitFor("rc=4\n")) << tmux.screen();
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = agent.listIds().empty();
    if (!gone) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(gone) << agent.ctl("ps -a").out;
}

TEST(TerminalE2E, AttachWithPipedStdinEndsWithItsInput) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d -i --name icat busybox sh -c 'cat; echo catdone; sleep 100'").exitCode, 0);
  Ran attached = shell("printf 'abc\\n' | timeout 30 " + agent.ctlCommand() + " attach icat");
  EXPECT_EQ(attached.exitCode, 0) << attached.out;
  EXPECT_TRUE(eventually(agent, "logs icat", "abc\ncatdone")) << agent.ctl("logs icat").out;
}

TEST(TerminalE2E, RunIStreamsStdinUntilEof) {
  Agent agent;
  Ran cat = shell("echo hi | timeout 30 " + agent.ctlCommand() + " run -i busybox cat");
  EXPECT_EQ(cat.exitCode, 0) << cat.out << agent.log();
  EXPECT_EQ(cat.out, "hi\n");
  // Through --api and --token-file alone: the stream goes over the API, nothing else is shared.
  std::string url;
  std::ifstream(agent.root() / "state" / "api") >> url;
  Ran api = shell("echo hi | timeout 30 " AGENT_BIN_DIR "/agentctl --state-dir /nonexistent --api " + url +
                  " --token-file " + (agent.root() / "state" / "token").string() + " run -i --rm busybox cat");
  EXPECT_EQ(api.exitCode, 0) << api.out;
  EXPECT_EQ(api.out, "hi\n");
  // More than a pipe's buffer, and the command's own exit code.
  Ran big = shell("seq 1 20000 | timeout 30 " + agent.ctlCommand() + " run -i --rm busybox -- sh -c 'wc -l; exit 4'");
  EXPECT_EQ(big.exitCode, 4) << big.out;
  EXPECT_EQ(big.out.find("20000"), big.out.find_first_not_of(' ')) << big.out;
  // Without -i stdin is the container's /dev/null, as before.
  Ran closed = shell("echo hi | " + agent.ctlCommand() + " run --rm busybox cat");
  EXPECT_EQ(closed.exitCode, 0) << closed.out;
  EXPECT_EQ(closed.out, "");
}

TEST(TerminalE2E, TheStreamIsRefusedClearly) {
  Agent agent;
  std::string url, token;
  std::ifstream(agent.root() / "state" / "api") >> url;
  std::ifstream(agent.root() / "state" / "token") >> token;
  ASSERT_EQ(agent.ctl("run -d --name plain busybox sleep 100").exitCode, 0);
  Ran attach = agent.ctl("attach plain");
  EXPECT_EQ(attach.exitCode, 1) << attach.out;
  EXPECT_NE(attach.out.find("no terminal nor open stdin"), std::string::npos) << attach.out;
  // The token is checked as on every route.
  Ran noToken = shell("curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Connection: Upgrade' -H 'Upgrade: tcp' '" +
                      url + "/v1/containers/plain/attach?stream=1'");
  EXPECT_EQ(noToken.out, "401");
  Ran resize = shell("curl -s -X POST -H 'Authorization: Bearer " + token + "' '" + url +
                     "/v1/containers/plain/resize?h=0&w=80'");
  EXPECT_NE(resize.out.find("from 1 to 65535"), std::string::npos) << resize.out;
}
