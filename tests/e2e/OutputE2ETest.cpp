// A container's output as data, through the real agentd, agent-shim and agentctl: every byte
// of a large attached stream whatever the log cap, binary bytes unchanged, stdout and stderr
// apart, and `logs` reading the rotated copy.
#include <gtest/gtest.h>

#include <chrono>

#include "E2ESupport.h"

using namespace e2e;

namespace {

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string idOf(const Agent& agent, const std::string& name) {
  return field(agent.ctl("inspect " + name).out, "id");
}

}  // namespace

TEST(OutputE2E, RunDeliversEveryByteWhateverTheLogCap) {
  Agent agent("log_max_bytes: 1048576\n");  // 1 MiB: the output is a hundred times that
  fs::path dir = agent.root();
  // The container sends 100 MiB of random bytes to stdout and their sha256 to stderr; the
  // host hashes what agentctl printed.
  std::ofstream(dir / "big.sh") << "set -o pipefail\n"
                                << agent.ctlCommand()
                                << " run --name big busybox -- sh -c 'mkfifo /tmp/f; sha256sum < /tmp/f >&2 & "
                                   "head -c 104857600 /dev/urandom | tee /tmp/f; wait' 2>"
                                << (dir / "err").string() << " | sha256sum > " << (dir / "sum").string() << "\n";
  auto begin = std::chrono::steady_clock::now();
  Ran ran = shell("bash " + (dir / "big.sh").string());
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::string err = readFile(dir / "err"), sum = readFile(dir / "sum");
  EXPECT_EQ(ran.exitCode, 0) << ran.out << err;
  ASSERT_GE(sum.size(), 64u);
  ASSERT_GE(err.size(), 64u) << err;
  EXPECT_EQ(sum.substr(0, 64), err.substr(0, 64)) << "agentctl printed other bytes than the container wrote";
  EXPECT_EQ(err.size(), 64u + 4) << "stderr holds more than the container's checksum: " << err;
  std::printf("100 MiB through run with a 1 MiB log cap: %.1f s\n", seconds);
  // The cap bounds the files.
  std::string id = idOf(agent, "big");
  ASSERT_FALSE(id.empty());
  for (const char* name : {"log", "log.1"}) {
    fs::path file = dir / "data" / "containers" / id / name;
    ASSERT_TRUE(fs::exists(file)) << file;
    EXPECT_LE(fs::file_size(file), 1048576u) << file;
  }
}

TEST(OutputE2E, BytesAreBytesThroughRunAndLogs) {
  Agent agent;
  Ran ran = agent.ctl("run --name bin busybox -- printf '\\377\\376' | od -An -tx1");
  EXPECT_EQ(ran.out, " ff fe\n");
  Ran logs = agent.ctl("logs bin | od -An -tx1");
  EXPECT_EQ(logs.out, " ff fe\n");
  // A tar stream piped out of a container is the file it holds, byte for byte.
  fs::path tarball = agent.root() / "busybox.tar";
  Ran tar = agent.ctl("run --rm busybox -- tar c -C /bin busybox > " + tarball.string());
  ASSERT_EQ(tar.exitCode, 0) << tar.out;
  Ran inside = shell("tar xOf " + tarball.string() + " busybox | sha256sum");
  Ran original = shell("sha256sum < " AGENT_TEST_IMAGES "/busybox/rootfs/bin/busybox");
  EXPECT_EQ(inside.out, original.out);
  EXPECT_EQ(inside.out.size(), 64u + 4);
}

TEST(OutputE2E, StdoutAndStderrStayApart) {
  Agent agent;
  std::string ctl = agent.ctlCommand();
  Ran out = shell("( " + ctl + " run --name two busybox -- sh -c 'echo out; echo err >&2; exit 3' 2>/dev/null )");
  EXPECT_EQ(out.out, "out\n");
  EXPECT_EQ(out.exitCode, 3);
  Ran err = shell("( " + ctl + " logs two >/dev/null )");
  EXPECT_EQ(err.out, "err\n");
  Ran logsOut = shell("( " + ctl + " logs two 2>/dev/null )");
  EXPECT_EQ(logsOut.out, "out\n");
  Ran runErr = shell("( " + ctl + " run --rm busybox -- sh -c 'echo out; echo err >&2' >/dev/null )");
  EXPECT_EQ(runErr.out, "err\n");
}

TEST(OutputE2E, LogsAfterARotationReadTheRotatedCopyToo) {
  Agent agent("log_max_bytes: 65536\n");
  Ran expected = shell("seq 1 20000");  // about 106 KiB: one rotation
  Ran ran = agent.ctl("run --name counter busybox -- seq 1 20000 >/dev/null");
  ASSERT_EQ(ran.exitCode, 0) << ran.out;
  std::string id = idOf(agent, "counter");
  ASSERT_TRUE(fs::exists(agent.root() / "data" / "containers" / id / "log.1")) << "the test needs a rotation";
  Ran logs = agent.ctl("logs counter");
  EXPECT_EQ(logs.exitCode, 0);
  EXPECT_EQ(logs.out.size(), expected.out.size());
  EXPECT_TRUE(logs.out == expected.out) << "logs lost the rotated copy: it starts with "
                                        << logs.out.substr(0, logs.out.find('\n'));
  EXPECT_EQ(agent.ctl("logs --tail 3 counter").out, "19998\n19999\n20000\n");
  // Following from the start reads the same.
  Ran followed = agent.ctl("logs -f counter");
  EXPECT_TRUE(followed.out == expected.out);
}

TEST(OutputE2E, ExecOutputIsBytesWithItsStreamsApart) {
  Agent agent;
  ASSERT_EQ(agent.ctl("run -d --name host busybox -- sleep 60").exitCode, 0);
  EXPECT_EQ(agent.ctl("exec host -- printf '\\377\\376' | od -An -tx1").out, " ff fe\n");
  Ran out = shell("( " + agent.ctlCommand() + " exec host -- sh -c 'echo out; echo err >&2; exit 4' 2>/dev/null )");
  EXPECT_EQ(out.out, "out\n");
  EXPECT_EQ(out.exitCode, 4);
  Ran json = agent.ctl("exec --output json host -- sh -c 'echo out; echo err >&2; exit 5'");
  EXPECT_EQ(field(json.out, "stderr"), "err\\n") << json.out;
  EXPECT_EQ(field(json.out, "exit_code"), "5") << json.out;
  EXPECT_EQ(json.exitCode, 5) << "the command's exit code, as without --output json";
}

TEST(OutputE2E, AReaderSlowerThanItsLeaseHoldsTheContainerAndLosesNothing) {
  Agent agent("log_max_bytes: 65536\n");
  fs::path dir = agent.root();
  // The consumer reads nothing for 20 s, longer than a reader's lease (15 s): agentctl, blocked
  // writing to it, keeps renewing the lease, so the container waits instead of its output
  // being rotated away.
  std::ofstream(dir / "slow.sh") << "set -o pipefail\n"
                                 << agent.ctlCommand() << " run --name slow busybox -- seq 1 1000000"
                                 << " | { sleep 20; sha256sum; } > " << (dir / "sum").string() << "\n";
  Ran ran;
  std::thread client([&] { ran = shell("bash " + (dir / "slow.sh").string()); });
  std::this_thread::sleep_for(17s);
  std::string state = field(agent.ctl("inspect slow").out, "state");
  client.join();
  EXPECT_EQ(state, "running") << "the container did not wait for its reader";
  EXPECT_EQ(ran.exitCode, 0) << ran.out;
  EXPECT_EQ(readFile(dir / "sum"), shell("seq 1 1000000 | sha256sum").out);
}
