// exec -it and exec -i through a real terminal (tmux, TmuxSession.h) and pipes: the exec'd
// shell has a terminal of its own made in the container's devpts (`tty` names /dev/pts/N),
// the container's confinement (its namespaces, cgroup, capabilities and seccomp filter, as
// plain exec), follows the window's size, gets Ctrl-C, and its exit code is agentctl's; stdin
// streams until EOF with stdout and stderr apart; agentd stopping mid-session hangs the
// terminal up and the client ends saying so; bad cases are refused before anything runs.
#include <gtest/gtest.h>

#include "E2ESupport.h"
#include "TmuxSession.h"

using namespace e2e;

namespace {

// Waits until `command`'s output holds `text` (or, with `absent`, no longer holds it).
bool eventually(const Agent& agent, const std::string& command, const std::string& text, bool absent = false) {
  for (int i = 0; i < 200; ++i) {
    bool found = agent.ctl(command).out.find(text) != std::string::npos;
    if (found != absent) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

}  // namespace

TEST(ExecTerminalE2E, ExecItGivesTheCommandATerminalInTheContainer) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name box busybox sleep 9999").exitCode, 0) << agent.log();
  Tmux tmux;
  tmux.type(agent.ctlCommand() + " exec -it box sh; echo rc=$?");
  tmux.type("echo pid=$$ $(tty)");
  // Not PID 1 (that is sleep), and a terminal of the container's own devpts.
  ASSERT_TRUE(tmux.waitFor("/dev/pts/0\n")) << tmux.screen() << agent.log();
  EXPECT_EQ(tmux.screen().find("pid=1 "), std::string::npos) << tmux.screen();
  tmux.type("test -c $(tty) && echo exists=yes");
  EXPECT_TRUE(tmux.waitFor("exists=yes\n")) << tmux.screen();
  // The container's confinement, as PID 1's.
  tmux.type(
      "for f in ns/pid ns/mnt ns/net ns/user; do [ \"$(readlink /proc/self/$f)\" = \"$(readlink /proc/1/$f)\" ] || "
      "echo differs=$f; done; for k in CapEff CapBnd Seccomp NoNewPrivs; do [ \"$(grep ^$k: /proc/self/status)\" = "
      "\"$(grep ^$k: /proc/1/status)\" ] || echo differs=$k; done; [ \"$(cat /proc/self/cgroup)\" = \"$(cat "
      "/proc/1/cgroup)\" ] || echo differs=cgroup; echo checked=$((20+1))");
  ASSERT_TRUE(tmux.waitFor("checked=21\n")) << tmux.screen();
  EXPECT_EQ(tmux.screen().find("differs="), tmux.screen().find("differs=$f")) << tmux.screen();
  // The window's size at the start and after a resize (SIGWINCH -> POST /v1/execs/EID/resize).
  tmux.type("echo size=$(stty size)");
  EXPECT_TRUE(tmux.waitFor("size=30 100\n")) << tmux.screen();
  tmux.tmux("resize-window -t t -x 120 -y 40");
  tmux.type("echo size=$(stty size)");
  EXPECT_TRUE(tmux.waitFor("size=40 120\n")) << tmux.screen();
  // Ctrl-C is a byte for the command's terminal: it interrupts sleep, not agentctl.
  tmux.type("sleep 100");
  ASSERT_TRUE(eventually(agent, "exec box ps", "sleep 100")) << tmux.screen();
  tmux.keys("C-c");
  tmux.type("echo back=$((40+2))");
  EXPECT_TRUE(tmux.waitFor("back=42\n", 1, 10s)) << tmux.screen();
  EXPECT_TRUE(eventually(agent, "exec box ps", "sleep 100", true)) << tmux.screen();
  EXPECT_EQ(tmux.screen().find("rc="), tmux.screen().find("rc=$?")) << "agentctl ended:\n" << tmux.screen();
  // The command's exit code is agentctl's, agentctl's terminal is back as it was, and the
  // container runs on.
  tmux.type("exit 3");
  EXPECT_TRUE(tmux.waitFor("rc=3\n")) << tmux.screen();
  tmux.type("echo cooked=$(stty -a | grep -o ' icanon' | tr -d ' ')");
  EXPECT_TRUE(tmux.waitFor("cooked=icanon\n")) << tmux.screen();
  EXPECT_NE(agent.ctl("inspect box").out.find("\"running\""), std::string::npos);
  // A command that is not in the image: said on the terminal, 127 as a shell's.
  tmux.type(agent.ctlCommand() + " exec -it box nosuchcommand; echo rc=$?");
  EXPECT_TRUE(tmux.waitFor("rc=127\n")) << tmux.screen();
  EXPECT_NE(tmux.screen().find("command not found"), std::string::npos) << tmux.screen();
}

TEST(ExecTerminalE2E, ExecIStreamsStdinUntilEofWithStdoutAndStderrApart) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name box busybox sleep 9999").exitCode, 0) << agent.log();
  Ran cat = shell("echo hi | timeout 30 " + agent.ctlCommand() + " exec -i box cat");
  EXPECT_EQ(cat.exitCode, 0) << cat.out << agent.log();
  EXPECT_EQ(cat.out, "hi\n");
  // Through --api and --token-file alone: the stream goes over the API, nothing else is shared.
  std::string url;
  std::ifstream(agent.root() / "state" / "api") >> url;
  Ran api = shell("echo hi | timeout 30 " AGENT_BIN_DIR "/agentctl --state-dir /nonexistent --api " + url +
                  " --token-file " + (agent.root() / "state" / "token").string() + " exec -i box cat");
  EXPECT_EQ(api.exitCode, 0) << api.out;
  EXPECT_EQ(api.out, "hi\n");
  // stdout and stderr stay apart; the command's exit code is agentctl's.
  Ran apart = shell("{ echo hi | timeout 30 " + agent.ctlCommand() +
                    " exec -i box -- sh -c 'cat; echo oops >&2; exit 4' 2>/dev/null; }");
  EXPECT_EQ(apart.exitCode, 4) << apart.out;
  EXPECT_EQ(apart.out, "hi\n");
  Ran errors = shell("{ echo hi | timeout 30 " + agent.ctlCommand() +
                     " exec -i box -- sh -c 'cat; echo oops >&2; exit 4' 2>&1 >/dev/null; }");
  EXPECT_EQ(errors.out, "oops\n");
  // More than a pipe's buffer.
  Ran big = shell("seq 1 20000 | timeout 30 " + agent.ctlCommand() + " exec -i box -- wc -l");
  EXPECT_EQ(big.exitCode, 0) << big.out;
  EXPECT_EQ(big.out.find("20000"), big.out.find_first_not_of(' ')) << big.out;
  // -t without -i from a pipe, as docker exec -t: a terminal for the output, no input.
  Ran tty = shell("timeout 30 " + agent.ctlCommand() + " exec -t box tty < /dev/null");
  EXPECT_EQ(tty.exitCode, 0) << tty.out;
  EXPECT_NE(tty.out.find("/dev/pts/"), std::string::npos) << tty.out;
  // With --userns auto the terminal is made by the container's root, inside its user
  // namespace, as the command runs: the container's mapping, not the host's.
  ASSERT_EQ(agent.ctl("run -d --userns auto --name mapped busybox sleep 9999").exitCode, 0) << agent.log();
  Ran mapped = shell("timeout 30 " + agent.ctlCommand() +
                     " exec -t mapped -- sh -c 'tty; cat /proc/self/uid_map; id -u' < /dev/null");
  EXPECT_EQ(mapped.exitCode, 0) << mapped.out;
  EXPECT_NE(mapped.out.find("/dev/pts/0"), std::string::npos) << mapped.out;
  EXPECT_NE(mapped.out.find(" 65536"), std::string::npos) << mapped.out;
  EXPECT_EQ(mapped.out.find("4294967295"), std::string::npos) << mapped.out;
}

TEST(ExecTerminalE2E, BadExecStreamsAreRefusedClearly) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name box busybox sleep 9999").exitCode, 0) << agent.log();
  ASSERT_EQ(agent.ctl("run --name done busybox true").exitCode, 0) << agent.log();
  Ran missing = shell("echo | " + agent.ctlCommand() + " exec -i nosuch cat");
  EXPECT_EQ(missing.exitCode, 1) << missing.out;
  EXPECT_NE(missing.out.find("nosuch"), std::string::npos) << missing.out;
  Ran stopped = shell("echo | " + agent.ctlCommand() + " exec -i done cat");
  EXPECT_EQ(stopped.exitCode, 1) << stopped.out;
  EXPECT_NE(stopped.out.find("exec needs a running container"), std::string::npos) << stopped.out;
  // -it with an input that is no terminal: refused before anything runs, as docker's.
  Ran notTty = shell("echo | " + agent.ctlCommand() + " exec -it box touch /made");
  EXPECT_EQ(notTty.exitCode, 2) << notTty.out;
  EXPECT_NE(notTty.out.find("the input device is not a TTY"), std::string::npos) << notTty.out;
  EXPECT_NE(agent.ctl("exec box ls /made").exitCode, 0);
  // The API: the token as on every route, the upgrade required, unknown execs named.
  std::string url, token;
  std::ifstream(agent.root() / "state" / "api") >> url;
  std::ifstream(agent.root() / "state" / "token") >> token;
  std::string body = " -d '{\"command\":[\"touch\",\"/made\"],\"stdin\":true}' ";
  Ran noToken = shell("curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Connection: Upgrade' -H 'Upgrade: tcp'" +
                      body + "'" + url + "/v1/containers/box/exec?stream=1'");
  EXPECT_EQ(noToken.out, "401");
  Ran noUpgrade = shell("curl -s -X POST -H 'Authorization: Bearer " + token + "'" + body + "'" + url +
                        "/v1/containers/box/exec?stream=1'");
  EXPECT_NE(noUpgrade.out.find("Upgrade: tcp"), std::string::npos) << noUpgrade.out;
  EXPECT_NE(agent.ctl("exec box ls /made").exitCode, 0);
  Ran unknown = shell("curl -s -H 'Authorization: Bearer " + token + "' '" + url + "/v1/execs/0123456789abcdef'");
  EXPECT_NE(unknown.out.find("no exec 0123456789abcdef"), std::string::npos) << unknown.out;
}

TEST(ExecTerminalE2E, AgentdStoppingMidSessionHangsUpTheTerminalAndTheClientEnds) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name box busybox sleep 9999").exitCode, 0) << agent.log();
  Tmux tmux;
  tmux.type(agent.ctlCommand() + " exec -it box sh; echo rc=$?");
  tmux.type("trap 'echo hup > /tmp/hup; exit 129' HUP; echo armed=$((1+1))");
  ASSERT_TRUE(tmux.waitFor("armed=2\n")) << tmux.screen() << agent.log();
  // agentd stops cleanly (Agent::stop checks) though a session is open; the client is told
  // and exits 3 instead of waiting; the shell got SIGHUP; the container runs on.
  agent.stop(SIGTERM);
  ASSERT_TRUE(tmux.waitFor("rc=3\n")) << tmux.screen();
  EXPECT_NE(tmux.screen().find("ended before the command did"), std::string::npos) << tmux.screen();
  agent.start();
  EXPECT_TRUE(eventually(agent, "exec box cat /tmp/hup", "hup")) << agent.log();
  EXPECT_NE(agent.ctl("inspect box").out.find("\"running\""), std::string::npos);
}
